import GatehouseCore

extension SQLiteCredentialStore {
    public func snapshot() async throws -> VaultSnapshot {
        guard let keyring = try await self.keyring() else { throw VaultError.notInitialized(location: self.location) }
        return try await self.run { database in
            try database.transaction {
                let secrets = try database.query("SELECT path, current_version, created_at FROM secrets ORDER BY path")
                    .map { row in
                        VaultSnapshot.SecretRow(
                            path: row[0].text ?? "", currentVersion: Int(row[1].integer ?? 0),
                            createdAt: Timestamp(seconds: row[2].integer ?? 0))
                    }
                let versions = try database.query(
                    """
                    SELECT path, version, sealed, created_at, expires_at, origin FROM secret_versions ORDER BY \
                    path, version
                    """
                ).map { row in
                    VaultSnapshot.VersionRow(
                        path: row[0].text ?? "",
                        version: Int(row[1].integer ?? 0),
                        sealed: row[2].blob ?? [],
                        createdAt: Timestamp(seconds: row[3].integer ?? 0),
                        expiresAt: row[4].integer.map(Timestamp.init(seconds:)),
                        source: ChangeSource(rawValue: row[5].text ?? "") ?? .cli
                    )
                }
                let audit = try database.query("SELECT at, actor, origin, action, path, version FROM audit ORDER BY id")
                    .map { row in
                        AuditRecord(
                            at: Timestamp(seconds: row[0].integer ?? 0),
                            actor: VaultActor(
                                name: row[1].text ?? "", source: ChangeSource(rawValue: row[2].text ?? "") ?? .cli),
                            action: AuditRecord.Action(rawValue: row[3].text ?? "") ?? .put,
                            path: row[4].text,
                            version: row[5].integer.map { Int($0) }
                        )
                    }
                return VaultSnapshot(keyring: keyring, secrets: secrets, versions: versions, audit: audit)
            }
        }
    }

    public func restore(_ snapshot: VaultSnapshot) async throws {
        let location = self.location
        try await self.run { database in
            try database.transaction {
                let keyrings = try database.scalar("SELECT count(*) FROM keyring")?.integer ?? 0
                let secrets = try database.scalar("SELECT count(*) FROM secrets")?.integer ?? 0
                guard keyrings == 0, secrets == 0 else { throw VaultError.alreadyInitialized(location: location) }
                let keyring = snapshot.keyring
                try database.query(
                    """
                    INSERT INTO keyring (id, master_key_id, wrapped_data_key, created_at, rotated_at) VALUES (1, \
                    ?, ?, ?, ?)
                    """,
                    [
                        .text(keyring.masterKeyID), .blob(keyring.wrappedDataKey), .integer(keyring.createdAt.seconds),
                        keyring.rotatedAt.map { .integer($0.seconds) } ?? .null,
                    ]
                )
                for secret in snapshot.secrets {
                    try database.query(
                        "INSERT INTO secrets (path, current_version, created_at) VALUES (?, ?, ?)",
                        [
                            .text(secret.path), .integer(Int64(secret.currentVersion)),
                            .integer(secret.createdAt.seconds),
                        ]
                    )
                }
                for version in snapshot.versions {
                    try database.query(
                        """
                        INSERT INTO secret_versions (path, version, sealed, created_at, expires_at, origin) VALUES \
                        (?, ?, ?, ?, ?, ?)
                        """,
                        [
                            .text(version.path), .integer(Int64(version.version)), .blob(version.sealed),
                            .integer(version.createdAt.seconds),
                            version.expiresAt.map { .integer($0.seconds) } ?? .null, .text(version.source.rawValue),
                        ]
                    )
                }
                for record in snapshot.audit { try Self.insert(record, into: database) }
            }
        }
    }
}
