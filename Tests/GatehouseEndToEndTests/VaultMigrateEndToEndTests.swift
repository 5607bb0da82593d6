import Foundation
import GatehouseCore
import GatehouseTestSupport
import Testing

/// `gatehouse vault migrate --to OTHER_CONFIG` with the real CLI, SQLite → PostgreSQL and back.
@Suite(.timeLimit(.minutes(3))) struct VaultMigrateEndToEndTests {
    /// A configuration with only a vault section on a fresh PostgreSQL database, sharing `key`.
    func postgresConfig(key: String) async throws -> (path: String, environment: [String: String]) {
        let directory = try TemporaryDirectory.make()
        let path = directory + "/target.yaml"
        try """
        vault: { backend: postgres, url: env:GATEHOUSE_PG_URL, master_key: "file:\(key)" }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return (path, ["GATEHOUSE_PG_URL": try await TestPostgres.freshDatabase()])
    }

    @Test func everyVersionTheKeyringAndTheAuditRowsMoveAndANonEmptyTargetIsRefused() async throws {
        let source = try await VaultSetup.make()
        for round in 1...3 { try await source.put("crm/token", "crm-\(round)") }
        try await source.put("billing/key", "billing-1")
        _ = try await source.cli(["vault", "reveal", "billing/key"])
        let target = try await self.postgresConfig(key: source.directory + "/master.key")

        let migrated = try await GatewayProcess.run(
            ["vault", "migrate", "--config", source.configPath, "--to", target.path], environment: target.environment
        )
        #expect(migrated.status == 0, "\(migrated.stderr)")
        // admin/token, crm/token x3, billing/key; init + 5 puts + 1 reveal.
        #expect(migrated.stdout.contains("Copied 3 secrets, 5 versions, 7 audit rows"), "\(migrated.stdout)")
        #expect(!migrated.stdout.contains("crm-3") && !migrated.stderr.contains("crm-3"))

        // The copy serves: current values, older versions and the audit trail.
        let reveal = try await GatewayProcess.run(
            ["vault", "reveal", "crm/token", "--config", target.path], environment: target.environment)
        #expect(reveal.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "crm-3", "\(reveal.stderr)")
        let old = try await GatewayProcess.run(
            ["vault", "reveal", "crm/token", "--version", "2", "--config", target.path], environment: target.environment
        )
        #expect(old.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "crm-2", "\(old.stderr)")
        let audit = try await GatewayProcess.run(
            ["vault", "audit", "--config", target.path], environment: target.environment)
        #expect(audit.stdout.contains("reveal"), "\(audit.stdout)")

        // Running it again: the target is not empty, nothing is copied.
        let again = try await GatewayProcess.run(
            ["vault", "migrate", "--config", source.configPath, "--to", target.path], environment: target.environment)
        #expect(again.status != 0)
        #expect(again.stderr.contains("already holds a vault"), "\(again.stderr)")

        // And back to a new SQLite file.
        let back = try TemporaryDirectory.make()
        try """
        vault: { path: \(back)/vault.db, master_key: "file:\(source.directory)/master.key" }
        """.write(toFile: back + "/back.yaml", atomically: true, encoding: .utf8)
        let returned = try await GatewayProcess.run(
            ["vault", "migrate", "--config", target.path, "--to", back + "/back.yaml"], environment: target.environment)
        #expect(returned.status == 0, "\(returned.stderr)")
        let final = try await GatewayProcess.run(["vault", "reveal", "billing/key", "--config", back + "/back.yaml"])
        #expect(final.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "billing-1", "\(final.stderr)")
    }
}
