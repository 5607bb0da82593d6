import GatehouseCore
import Logging
import PostgresNIO

extension PostgresCredentialStore {
    // MARK: Keyring

    public func keyring() async throws -> VaultKeyring? {
        let logger = self.logger
        return try await self.run("reading the keyring") { client in
            let rows = try await client.query(
                "SELECT master_key_id, wrapped_data_key, created_at, rotated_at FROM keyring WHERE id = 1",
                logger: logger
            )
            for try await (id, wrapped, created, rotated) in rows.decode((String, ByteBuffer, Int64, Int64?).self) {
                return VaultKeyring(
                    masterKeyID: id,
                    wrappedDataKey: Array(wrapped.readableBytesView),
                    createdAt: Timestamp(seconds: created),
                    rotatedAt: rotated.map(Timestamp.init(seconds:))
                )
            }
            return nil
        }
    }

    public func createKeyring(_ keyring: VaultKeyring, audit: AuditRecord) async throws {
        let logger = self.logger
        let location = self.location
        try await self.run("creating the keyring") { client in
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("LOCK TABLE keyring IN EXCLUSIVE MODE", logger: logger)
                let existing = try await connection.query("SELECT count(*) FROM keyring", logger: logger).decode(
                    Int64.self)
                for try await count in existing where count > 0 {
                    throw VaultError.alreadyInitialized(location: location)
                }
                try await connection.query(
                    """
                    INSERT INTO keyring (id, master_key_id, wrapped_data_key, created_at)
                    VALUES (1, \(keyring.masterKeyID), \(ByteBuffer(bytes: keyring.wrappedDataKey)), \
                    \(keyring.createdAt.seconds))
                    """,
                    logger: logger
                )
                try await Self.insert(audit, connection, logger: logger)
                try await Self.announce(connection, logger: logger)
            }
        }
    }

    public func replaceKeyring(_ keyring: VaultKeyring, expectedMasterKeyID: String, audit: AuditRecord) async throws
        -> Bool
    {
        let logger = self.logger
        return try await self.run("replacing the keyring") { client in
            try await client.withTransaction(logger: logger) { connection in
                let rows = try await connection.query(
                    """
                    UPDATE keyring SET master_key_id = \(keyring.masterKeyID), wrapped_data_key = \
                    \(ByteBuffer(bytes: keyring.wrappedDataKey)),
                        rotated_at = \(keyring.rotatedAt?.seconds)
                    WHERE id = 1 AND master_key_id = \(expectedMasterKeyID) RETURNING id
                    """,
                    logger: logger
                )
                var replaced = false
                for try await _ in rows { replaced = true }
                guard replaced else { return false }
                try await Self.insert(audit, connection, logger: logger)
                try await Self.announce(connection, logger: logger)
                return true
            }
        }
    }

    // MARK: Secrets

    public func write(
        _ writes: [SecretWrite], by actor: VaultActor, at time: Timestamp, keepVersions: Int, under lease: Lease?
    ) async throws -> [SecretMetadata] {
        let logger = self.logger
        return try await self.run("writing") { client in
            try await client.withTransaction(logger: logger) { connection in
                if let lease { try await Self.checkFence(lease, connection, logger: logger) }
                return try await Self.write(
                    writes, by: actor, at: time, keepVersions: keepVersions, connection, logger: logger)
            }
        }
    }

    /// The body of ``write(_:by:at:keepVersions:)`` inside an open transaction.
    static func write(
        _ writes: [SecretWrite],
        by actor: VaultActor,
        at time: Timestamp,
        keepVersions: Int,
        _ connection: PostgresConnection,
        logger: Logger
    ) async throws -> [SecretMetadata] {
        let keep = Int64(max(1, keepVersions))
        // The generation row's lock orders every write, so versions are picked one at a time.
        try await Self.announce(connection, logger: logger)
        var written: [SecretMetadata] = []
        for write in writes {
            let upsert = try await connection.query(
                """
                INSERT INTO secrets (path, current_version, created_at) VALUES (\(write.path), 1, \(time.seconds))
                ON CONFLICT (path) DO UPDATE SET current_version = secrets.current_version + 1
                RETURNING current_version, created_at
                """,
                logger: logger
            )
            var picked: (Int64, Int64)?
            for try await row in upsert.decode((Int64, Int64).self) { picked = row }
            guard let (version64, createdAt) = picked, let version = Int(exactly: version64) else {
                throw VaultError.storeFailure("no version was picked for \(write.path)")
            }
            let sealed = ByteBuffer(bytes: write.seal(version))
            try await connection.query(
                """
                INSERT INTO secret_versions (path, version, sealed, created_at, expires_at, origin)
                VALUES (\(write.path), \(version64), \(sealed), \(time.seconds), \(write.expiresAt?.seconds), \
                \(actor.source.rawValue))
                """,
                logger: logger
            )
            try await connection.query(
                "DELETE FROM secret_versions WHERE path = \(write.path) AND version <= \(version64 - keep)",
                logger: logger
            )
            try await Self.insert(
                AuditRecord(at: time, actor: actor, action: .put, path: write.path, version: version), connection,
                logger: logger)
            written.append(
                SecretMetadata(
                    path: write.path,
                    version: version,
                    createdAt: Timestamp(seconds: createdAt),
                    updatedAt: time,
                    expiresAt: write.expiresAt,
                    source: actor.source,
                    versionsKept: Int(min(version64, keep))
                )
            )
        }
        return written
    }

    public func delete(_ path: String, audit: AuditRecord) async throws -> Bool {
        let logger = self.logger
        return try await self.run("deleting") { client in
            try await client.withTransaction(logger: logger) { connection in
                // The generation row first, as writes take it: one lock order, no deadlock.
                try await connection.query("SELECT generation FROM vault_state WHERE id = 1 FOR UPDATE", logger: logger)
                var exists = false
                for try await _ in try await connection.query(
                    "SELECT 1 FROM secrets WHERE path = \(path)", logger: logger)
                {
                    exists = true
                }
                guard exists else { return false }
                try await Self.announce(connection, logger: logger)
                try await connection.query("DELETE FROM secret_versions WHERE path = \(path)", logger: logger)
                try await connection.query("DELETE FROM secrets WHERE path = \(path)", logger: logger)
                try await Self.insert(audit, connection, logger: logger)
                return true
            }
        }
    }

    private static let selectSecret = """
        SELECT s.path, v.version, s.created_at, v.created_at, v.expires_at, v.origin,
               (SELECT count(*) FROM secret_versions c WHERE c.path = s.path), v.sealed
        FROM secrets s JOIN secret_versions v ON v.path = s.path
        """

    private typealias SecretRow = (String, Int64, Int64, Int64, Int64?, String, Int64, ByteBuffer)

    private static func stored(_ row: SecretRow) -> StoredSecret {
        StoredSecret(
            metadata: SecretMetadata(
                path: row.0,
                version: Int(row.1),
                createdAt: Timestamp(seconds: row.2),
                updatedAt: Timestamp(seconds: row.3),
                expiresAt: row.4.map(Timestamp.init(seconds:)),
                source: ChangeSource(rawValue: row.5) ?? .cli,
                versionsKept: Int(row.6)
            ),
            sealed: Array(row.7.readableBytesView)
        )
    }

    public func currentSecrets() async throws -> [StoredSecret] {
        let logger = self.logger
        return try await self.run("loading secrets") { client in
            var secrets: [StoredSecret] = []
            let rows = try await client.query(
                PostgresQuery(unsafeSQL: Self.selectSecret + " AND v.version = s.current_version ORDER BY s.path"),
                logger: logger
            )
            for try await row in rows.decode(SecretRow.self) { secrets.append(Self.stored(row)) }
            return secrets
        }
    }

    public func secret(_ path: String, version: Int?) async throws -> StoredSecret? {
        let logger = self.logger
        return try await self.run("reading a secret") { client in
            var bindings = PostgresBindings()
            let query: PostgresQuery
            if let version {
                bindings.append(Int64(version))
                bindings.append(path)
                query = PostgresQuery(
                    unsafeSQL: Self.selectSecret + " AND v.version = $1 WHERE s.path = $2", binds: bindings)
            } else {
                bindings.append(path)
                query = PostgresQuery(
                    unsafeSQL: Self.selectSecret + " AND v.version = s.current_version WHERE s.path = $1",
                    binds: bindings)
            }
            for try await row in try await client.query(query, logger: logger).decode(SecretRow.self) {
                return Self.stored(row)
            }
            return nil
        }
    }

    public func list() async throws -> [SecretMetadata] {
        try await self.currentSecrets().map(\.metadata)
    }

    // MARK: Audit

    public func appendAudit(_ record: AuditRecord) async throws {
        let logger = self.logger
        try await self.run("auditing") { client in
            try await client.withConnection { connection in try await Self.insert(record, connection, logger: logger) }
        }
    }

    public func auditLog(limit: Int) async throws -> [AuditRecord] {
        let logger = self.logger
        let limit = Int64(max(0, limit))
        return try await self.run("reading the audit log") { client in
            var records: [AuditRecord] = []
            let rows = try await client.query(
                "SELECT at, actor, origin, action, path, version FROM audit ORDER BY id DESC LIMIT \(limit)",
                logger: logger
            )
            for try await (at, actor, source, action, path, version) in rows.decode(
                (Int64, String, String, String, String?, Int64?).self)
            {
                records.append(
                    AuditRecord(
                        at: Timestamp(seconds: at),
                        actor: VaultActor(name: actor, source: ChangeSource(rawValue: source) ?? .cli),
                        action: AuditRecord.Action(rawValue: action) ?? .put,
                        path: path,
                        version: version.map { Int($0) }
                    )
                )
            }
            return records
        }
    }

    static func insert(_ record: AuditRecord, _ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO audit (at, actor, origin, action, path, version)
            VALUES (\(record.at.seconds), \(record.actor.name), \(record.actor.source.rawValue), \
            \(record.action.rawValue),
                    \(record.path), \(record.version.map { Int64($0) }))
            """,
            logger: logger
        )
    }
}
