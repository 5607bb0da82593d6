import GatehouseCore
import Logging
import PostgresNIO

extension PostgresCredentialStore {
    /// The database's clock in milliseconds: every instance judges expiry by the same clock.
    static let nowMilliseconds = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

    public func acquireLease(_ name: String, holder: String, milliseconds: Int64) async throws -> LeaseAcquisition {
        let logger = self.logger
        let duration = min(max(milliseconds, 1), 86_400_000)
        return try await self.run("taking a lease") { client in
            // One statement: the compare-and-set is the upsert's WHERE; no lock outlives it.
            var binds = PostgresBindings()
            binds.append(name)
            binds.append(holder)
            binds.append(duration)
            let upsert = PostgresQuery(
                unsafeSQL: """
                    INSERT INTO leases (name, holder, expires_at_ms, fence) VALUES ($1, $2, \(Self.nowMilliseconds) + \
                    $3, 1)
                    ON CONFLICT (name) DO UPDATE
                        SET holder = EXCLUDED.holder, expires_at_ms = EXCLUDED.expires_at_ms, fence = leases.fence + 1
                        WHERE leases.holder IS NULL OR leases.expires_at_ms <= \(Self.nowMilliseconds) OR \
                    leases.holder = EXCLUDED.holder
                    RETURNING fence
                    """,
                binds: binds
            )
            for try await fence in try await client.query(upsert, logger: logger).decode(Int64.self) {
                return .acquired(Lease(name: name, holder: holder, fence: fence))
            }
            var current = PostgresBindings()
            current.append(name)
            let held = PostgresQuery(
                unsafeSQL:
                    "SELECT coalesce(holder, ''), expires_at_ms - \(Self.nowMilliseconds) FROM leases WHERE name = $1",
                binds: current
            )
            for try await (other, remaining) in try await client.query(held, logger: logger).decode(
                (String, Int64).self)
            {
                return .held(by: other, remainingMilliseconds: max(0, remaining))
            }
            // Released between the two statements: free now, the caller tries again.
            return .held(by: "", remainingMilliseconds: 0)
        }
    }

    public func releaseLease(_ lease: Lease) async throws {
        let logger = self.logger
        try await self.run("releasing a lease") { client in
            _ = try await client.query(
                """
                UPDATE leases SET holder = NULL, expires_at_ms = 0
                WHERE name = \(lease.name) AND holder = \(lease.holder) AND fence = \(lease.fence)
                """,
                logger: logger
            )
        }
    }

    /// Inside a write's transaction: locks the lease row and refuses the write unless `lease`'s
    /// fence is still the current one, so a holder whose lease passed on cannot overwrite its
    /// successor's credential (a late holder nobody replaced may still write).
    static func checkFence(_ lease: Lease, _ connection: PostgresConnection, logger: Logger) async throws {
        var binds = PostgresBindings()
        binds.append(lease.name)
        binds.append(lease.holder)
        binds.append(lease.fence)
        let query = PostgresQuery(
            unsafeSQL: """
                SELECT 1 FROM leases WHERE name = $1 AND holder = $2 AND fence = $3 FOR UPDATE
                """,
            binds: binds
        )
        for try await _ in try await connection.query(query, logger: logger) { return }
        throw VaultError.leaseLost(lease.name)
    }
}
