import GatehouseCore
import Logging
import PostgresNIO

extension PostgresCredentialStore {
    public func snapshot() async throws -> VaultSnapshot {
        guard let keyring = try await self.keyring() else { throw VaultError.notInitialized(location: self.location) }
        let logger = self.logger
        return try await self.run("taking a snapshot") { client in
            // One REPEATABLE READ transaction: the three tables as of one moment.
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
                var secrets: [VaultSnapshot.SecretRow] = []
                for try await (path, current, created) in try await connection.query(
                    "SELECT path, current_version, created_at FROM secrets ORDER BY path", logger: logger
                ).decode((String, Int64, Int64).self) {
                    secrets.append(
                        .init(path: path, currentVersion: Int(current), createdAt: Timestamp(seconds: created)))
                }
                var versions: [VaultSnapshot.VersionRow] = []
                for try await (path, version, sealed, created, expires, source) in try await connection.query(
                    """
                    SELECT path, version, sealed, created_at, expires_at, origin FROM secret_versions ORDER BY \
                    path, version
                    """,
                    logger: logger
                ).decode((String, Int64, ByteBuffer, Int64, Int64?, String).self) {
                    versions.append(
                        .init(
                            path: path, version: Int(version), sealed: Array(sealed.readableBytesView),
                            createdAt: Timestamp(seconds: created),
                            expiresAt: expires.map(Timestamp.init(seconds:)),
                            source: ChangeSource(rawValue: source) ?? .cli
                        )
                    )
                }
                var audit: [AuditRecord] = []
                for try await (at, actor, source, action, path, version) in try await connection.query(
                    "SELECT at, actor, origin, action, path, version FROM audit ORDER BY id", logger: logger
                ).decode((Int64, String, String, String, String?, Int64?).self) {
                    audit.append(
                        AuditRecord(
                            at: Timestamp(seconds: at),
                            actor: VaultActor(name: actor, source: ChangeSource(rawValue: source) ?? .cli),
                            action: AuditRecord.Action(rawValue: action) ?? .put,
                            path: path,
                            version: version.map { Int($0) }
                        )
                    )
                }
                return VaultSnapshot(keyring: keyring, secrets: secrets, versions: versions, audit: audit)
            }
        }
    }

    public func restore(_ snapshot: VaultSnapshot) async throws {
        let logger = self.logger
        let location = self.location
        try await self.run("restoring a snapshot") { client in
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("LOCK TABLE keyring, secrets IN EXCLUSIVE MODE", logger: logger)
                var occupied = false
                for try await count in try await connection.query(
                    "SELECT (SELECT count(*) FROM keyring) + (SELECT count(*) FROM secrets)", logger: logger
                ).decode(Int64.self) {
                    occupied = count > 0
                }
                guard !occupied else { throw VaultError.alreadyInitialized(location: location) }
                let keyring = snapshot.keyring
                try await connection.query(
                    """
                    INSERT INTO keyring (id, master_key_id, wrapped_data_key, created_at, rotated_at)
                    VALUES (1, \(keyring.masterKeyID), \(ByteBuffer(bytes: keyring.wrappedDataKey)), \
                    \(keyring.createdAt.seconds), \(keyring.rotatedAt?.seconds))
                    """,
                    logger: logger
                )
                for secret in snapshot.secrets {
                    try await connection.query(
                        """
                        INSERT INTO secrets (path, current_version, created_at) VALUES (\(secret.path), \
                        \(Int64(secret.currentVersion)), \(secret.createdAt.seconds))
                        """,
                        logger: logger
                    )
                }
                for version in snapshot.versions {
                    try await connection.query(
                        """
                        INSERT INTO secret_versions (path, version, sealed, created_at, expires_at, origin)
                        VALUES (\(version.path), \(Int64(version.version)), \(ByteBuffer(bytes: version.sealed)), \
                        \(version.createdAt.seconds),
                                \(version.expiresAt?.seconds), \(version.source.rawValue))
                        """,
                        logger: logger
                    )
                }
                for record in snapshot.audit { try await Self.insert(record, connection, logger: logger) }
                try await Self.announce(connection, logger: logger)
            }
        }
    }
}
