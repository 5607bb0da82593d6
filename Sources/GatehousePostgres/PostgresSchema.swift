import GatehouseCore
import Logging
import PostgresNIO

/// The vault's tables in PostgreSQL and their migrations. `gatehouse_schema` holds how many
/// migrations the database has had; each runs once, in its own transaction, under a
/// transaction-scoped advisory lock so instances starting together migrate one at a time.
enum PostgresSchema {
    /// Append-only: a released migration is never edited.
    /// The `origin` columns of `secret_versions` and `audit` hold a ``ChangeSource`` (their name
    /// predates the type's): they keep it so instances of two versions can share a store during a
    /// rolling upgrade.
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE keyring (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                master_key_id TEXT NOT NULL,
                wrapped_data_key BYTEA NOT NULL,
                created_at BIGINT NOT NULL,
                rotated_at BIGINT
            )
            """,
            """
            CREATE TABLE secrets (
                path TEXT PRIMARY KEY,
                current_version BIGINT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE secret_versions (
                path TEXT NOT NULL REFERENCES secrets (path),
                version BIGINT NOT NULL,
                sealed BYTEA NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT,
                origin TEXT NOT NULL,
                PRIMARY KEY (path, version)
            )
            """,
            """
            CREATE TABLE audit (
                id BIGSERIAL PRIMARY KEY,
                at BIGINT NOT NULL,
                actor TEXT NOT NULL,
                origin TEXT NOT NULL,
                action TEXT NOT NULL,
                path TEXT,
                version BIGINT
            )
            """,
            // One row: bumped by every committing change, so a poll can tell whether to reload.
            "CREATE TABLE vault_state (id INTEGER PRIMARY KEY CHECK (id = 1), generation BIGINT NOT NULL)",
            "INSERT INTO vault_state (id, generation) VALUES (1, 0)",
        ],
        [
            // Cross-instance single flight: who renews a credential now, until when, and a
            // fencing counter that grows with every grant so a holder that lost its lease
            // cannot write over its successor.
            """
            CREATE TABLE leases (
                name TEXT PRIMARY KEY,
                holder TEXT,
                expires_at_ms BIGINT NOT NULL,
                fence BIGINT NOT NULL
            )
            """
        ],
    ]

    /// The `NOTIFY` channel every change is announced on.
    static let channel = "gatehouse_vault"

    /// Brings the database to the latest schema; refuses one written by a newer Gatehouse.
    static func migrate(_ client: PostgresClient, logger: Logger) async throws {
        try await client.withTransaction(logger: logger) { connection in
            // Held until this transaction ends: concurrent start-ups queue here.
            try await connection.query("SELECT pg_advisory_xact_lock(7310431)", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS gatehouse_schema (version INTEGER NOT NULL)", logger: logger)
            var current = 0
            for try await version in try await connection.query("SELECT version FROM gatehouse_schema", logger: logger)
                .decode(Int.self)
            {
                current = version
            }
            guard current <= self.migrations.count else {
                throw VaultError.schemaTooNew(found: current, supported: self.migrations.count)
            }
            for migration in self.migrations[current...] {
                for statement in migration {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
            }
            if current < self.migrations.count {
                try await connection.query("DELETE FROM gatehouse_schema", logger: logger)
                try await connection.query(
                    "INSERT INTO gatehouse_schema (version) VALUES (\(self.migrations.count))", logger: logger)
            }
        }
    }
}
