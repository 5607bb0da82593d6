import Foundation
import GatehouseCore
import GatehouseTestSupport
import Testing

/// `gatehouse simulate okit [--config FILE]` as a process, the way `make run` starts it.
@Suite(.timeLimit(.minutes(2))) struct OKITSimulatorCLITests {
    func write(_ text: String) throws -> String {
        let path = try TemporaryDirectory.make() + "/okit.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func validate(_ simulator: GatewayProcess, token: String, client: String) async throws -> Value {
        let caller = TestClient()
        defer { caller.shutdown() }
        let answer = try await caller.send(
            .get,
            """
            \(simulator.baseURL)/OKIT.Operator.Api/api/tokenvalidator?token=\(token)&applicaiontPrefix=SMSAPP&clien\
            tPrefix=\(client)
            """
        )
        return answer.json
    }

    @Test func withoutAConfigurationTheDemoTokenIsValid() async throws {
        let simulator = try await GatewayProcess.simulator("okit")
        #expect(
            try await self.validate(simulator, token: "DEMO-ONLY-okit-token-BlaBla", client: "BlaBla") == [
                "valid": true, "message": "Token is valid",
            ]
        )
        #expect(
            try await self.validate(simulator, token: "DEMO-ONLY-okit-token-BlaBla", client: "Acme")["valid"] == false)
        #expect(await simulator.stop() == 0)
    }

    @Test func aConfigurationFileReplacesTheDemoData() async throws {
        let path = try self.write("applications:\n  SMSAPP:\n    clients:\n      Acme: { tokens: [acme-token-1] }\n")
        let simulator = try await GatewayProcess.simulator("okit", arguments: ["--config", path])
        #expect(try await self.validate(simulator, token: "acme-token-1", client: "Acme")["valid"] == true)
        #expect(
            try await self.validate(simulator, token: "DEMO-ONLY-okit-token-BlaBla", client: "BlaBla")["valid"] == false
        )
        await simulator.stop()
    }

    @Test func badConfigurationsStopItWithFileAndLine() async throws {
        let path = try self.write("applications:\n  SMSAPP:\n    clients:\n      BlaBla: { token: [t1] }\n")
        let bad = try await GatewayProcess.run(["simulate", "okit", "--port", "0", "--config", path])
        #expect(bad.status == 2)
        #expect(
            bad.stderr.contains("\(path):4: applications.SMSAPP.clients.BlaBla.token: unknown key"), "\(bad.stderr)")
        let missing = try await GatewayProcess.run(["simulate", "okit", "--port", "0", "--config", path + ".missing"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot read the configuration file"))
        let echo = try await GatewayProcess.run(["simulate", "echo", "--port", "0", "--config", path])
        #expect(echo.status == 2)
        #expect(echo.stderr.contains("simulator echo takes no --config"))
    }
}
