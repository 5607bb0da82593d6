import Foundation
import GatehouseCore
import GatehouseK2Simulator
import HTTPTypes
import GatehouseTestSupport
import GatehouseXML
import Testing

/// The real gateway in front of a real K2 simulator, with the K2 credentials in a real vault.
struct K2Harness {
    let k2: K2Fixture
    let vault: VaultSetup
    let gateway: GatewayProcess
    let client = TestClient()
    let key: String

    static func start(
        options: String = "{ auth: header, max_concurrency: 3 }",
        password: String = "ANPassword",
        simulator: K2Simulator.Configuration = .init(),
        connectionSettings: String = ""
    ) async throws -> K2Harness {
        let k2 = try await K2Fixture.start(simulator)
        let vault = try await VaultSetup.make()
        try await vault.put("k2/username", "AN1")
        try await vault.put("k2/password", password)
        let (key, hash) = APIKey.generate()
        let config = """
            server:
              host: 127.0.0.1
              port: 0
              shutdown_grace_seconds: 5
            \(vault.section)
            clients:
              tester:
                key_sha256: "\(hash)"
                connections: [k2]
            connections:
              k2:
                adapter: k2
                base_url: \(k2.baseURL)
                credentials: { username: vault:k2/username, password: vault:k2/password }
                options: \(options)
            \(connectionSettings.isEmpty ? "" : "    " + connectionSettings)
            """
        let gateway = try await GatewayProcess.start(config: config)
        return K2Harness(k2: k2, vault: vault, gateway: gateway, key: key)
    }

    /// `POST /v1/k2/{operation}` with JSON arguments.
    func call(_ operation: String, _ arguments: Value = [:], timeoutMilliseconds: Int = 30_000) async throws
        -> TestClient.Answer
    {
        try await self.client.send(
            .post, self.gateway.baseURL + "/v1/k2/" + operation,
            headers: ["Authorization": "Bearer \(self.key)", "Content-Type": "application/json"],
            body: JSON.serializeBytes(arguments), timeoutMilliseconds: timeoutMilliseconds)
    }

    /// `POST /v1/k2/{operation}` with XML arguments, asking for XML back; the answer parsed.
    func callXML(_ operation: String, _ xml: String) async throws -> (TestClient.Answer, Value) {
        let answer = try await self.client.send(
            .post, self.gateway.baseURL + "/v1/k2/" + operation,
            headers: [
                "Authorization": "Bearer \(self.key)", "Content-Type": "application/xml", "Accept": "application/xml",
            ],
            body: Array(xml.utf8))
        return (answer, (try? XML.parse(answer.body)) ?? .null)
    }

    /// Stops everything and checks the K2 password never reached the log.
    func finish() async {
        await self.gateway.stop()
        self.k2.stop()
        self.client.shutdown()
        #expect(!self.gateway.log.contains("ANPassword"), "the K2 password leaked into the log")
    }
}
