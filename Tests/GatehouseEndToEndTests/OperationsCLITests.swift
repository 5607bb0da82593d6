import Foundation
import GatehouseCore
import GatehouseTestSupport
import Testing

/// `gatehouse --version` and `gatehouse connections` with the real binary.
@Suite(.timeLimit(.minutes(3))) struct OperationsCLITests {
    @Test func versionNamesTheReleaseAndTheCommit() async throws {
        let result = try await GatewayProcess.run(["--version"])
        #expect(result.status == 0)
        let line = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let match = try #require(
            line.wholeMatch(of: /(\d+\.\d+\.\d+) \(commit ([0-9a-f]{40}(-dirty)?|unknown)\)/), "\(line)")
        // A stamped build (make build / make test: scripts/stamp-commit.sh) names the commit it was built from.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let stamp = root.appendingPathComponent("Sources/CGatehouseBuildInfo/generated_commit.h").path
        if let header = try? String(contentsOfFile: stamp, encoding: .utf8) {
            #expect(header.contains("\"\(match.2)\""), "binary says \(match.2), the stamp says \(header)")
        } else {
            #expect(match.2 == "unknown")
        }
    }

    @Test func connectionsPrintsTheRunningGatewaysHealthTableAndJSON() async throws {
        let h = try await Harness.start(
            environment: ["ADMIN_TOKEN": "cli-admin-token"], server: "admin: { token: env:ADMIN_TOKEN }")
        let environment = ["ADMIN_TOKEN": "cli-admin-token"]
        let arguments = ["--config", h.gateway.configPath, "--admin-url", h.gateway.adminURL]
        let table = try await GatewayProcess.run(["connections"] + arguments, environment: environment)
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("CONNECTION") == true, "\(table.stdout)")
        #expect(lines.count == 3)
        #expect(lines.contains { $0.hasPrefix("echo ") && $0.contains(" http ") && $0.contains(" ok ") })
        #expect(lines.contains { $0.hasPrefix("other-echo ") })
        // `list` is the same command, and --json is the admin API's list.
        let listed = try await GatewayProcess.run(["connections", "list"] + arguments, environment: environment)
        #expect(listed.stdout == table.stdout)
        let json = try await GatewayProcess.run(["connections", "--json"] + arguments, environment: environment)
        #expect(json.status == 0, "\(json.stderr)")
        let list = try #require(try JSON.parse(json.stdout).arrayValue)
        #expect(list.map { $0["name"]?.stringValue ?? "" } == ["echo", "other-echo"])
        #expect(list.first?["state"] == "ok")
        // A wrong token: the admin API's refusal, exit status 2, the token not echoed.
        let refused = try await GatewayProcess.run(
            ["connections"] + arguments, environment: ["ADMIN_TOKEN": "wrong-token"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("refused"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("wrong-token"))
        // Nothing listening: a clear message.
        await h.gateway.stop()
        let down = try await GatewayProcess.run(["connections"] + arguments, environment: environment)
        #expect(down.status == 2)
        #expect(down.stderr.contains("cannot reach the admin API"), "\(down.stderr)")
        await h.finish()
    }
}
