import GatehouseCore

/// The vault's tables and their migrations. `PRAGMA user_version` holds how many migrations a
/// file has had; each runs once, in its own transaction, in order.
enum SQLiteSchema {
    /// Append-only: a released migration is never edited.
    /// The `origin` columns of `secret_versions` and `audit` hold a ``ChangeSource`` (their name
    /// predates the type's): they keep it so instances of two versions can share a store during a
    /// rolling upgrade.
    static let migrations: [String] = [
        """
        CREATE TABLE keyring (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            master_key_id TEXT NOT NULL,
            wrapped_data_key BLOB NOT NULL,
            created_at INTEGER NOT NULL,
            rotated_at INTEGER
        );
        CREATE TABLE secrets (
            path TEXT PRIMARY KEY,
            current_version INTEGER NOT NULL,
            created_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE secret_versions (
            path TEXT NOT NULL REFERENCES secrets (path),
            version INTEGER NOT NULL,
            sealed BLOB NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER,
            origin TEXT NOT NULL,
            PRIMARY KEY (path, version)
        ) WITHOUT ROWID;
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at INTEGER NOT NULL,
            actor TEXT NOT NULL,
            origin TEXT NOT NULL,
            action TEXT NOT NULL,
            path TEXT,
            version INTEGER
        );
        """,
        // Single flight across the processes sharing the file: who renews a credential now,
        // until when (ms since 1970), and a fencing counter that grows with every grant.
        """
        CREATE TABLE leases (
            name TEXT PRIMARY KEY,
            holder TEXT,
            expires_at_ms INTEGER NOT NULL,
            fence INTEGER NOT NULL
        ) WITHOUT ROWID;
        """,
    ]

    /// Brings `database` to the latest schema; refuses files written by a newer Gatehouse.
    static func migrate(_ database: SQLiteDatabase) throws {
        try database.transaction {
            let current = Int(try database.scalar("PRAGMA user_version")?.integer ?? 0)
            guard current <= self.migrations.count else {
                throw VaultError.schemaTooNew(found: current, supported: self.migrations.count)
            }
            for migration in self.migrations[current...] {
                try database.execute(migration)
            }
            if current < self.migrations.count {
                try database.execute("PRAGMA user_version = \(self.migrations.count)")
            }
        }
    }
}
