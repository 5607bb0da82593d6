import Foundation
import GatehouseCore
import GatehouseTestSupport
import Testing

/// One real gateway process in front of one real echo upstream, with a client key and a
/// canary upstream token the caller never holds.
struct Harness {
    let echo: EchoFixture
    let gateway: GatewayProcess
    let client = TestClient()
    let key: String
    /// The upstream credential: must reach the upstream, never the logs or the caller.
    let canary: String

    var auth: [String: String] { ["Authorization": "Bearer \(self.key)"] }

    /// Starts everything. `extraConnections` is YAML appended under `connections:`.
    static func start(
        // Generous: tests that are not about timeouts must not hit one on a loaded machine.
        timeoutMilliseconds: Int = 30_000,
        extraConnections: String = "",
        grants: [String] = ["echo"],
        environment: [String: String] = [:],
        server: String = ""
    ) async throws -> Harness {
        let echo = try await EchoFixture.start()
        let (key, hash) = APIKey.generate()
        let canary = "canary-" + APIKey.generate().key.dropFirst(3).prefix(20)
        let config = """
            server:
              host: 127.0.0.1
              port: 0
              shutdown_grace_seconds: 5
            \(server)
            clients:
              tester:
                key_sha256: "\(hash)"
                connections: [\(grants.joined(separator: ", "))]
              other:
                key_sha256: "\(APIKey.generate().sha256)"
                connections: [echo]
            connections:
              echo:
                adapter: http
                base_url: \(echo.baseURL)
                credentials: { token: env:UPSTREAM_TOKEN }
                options: { header: Authorization, template: "Bearer {token}" }
                timeout_ms: \(timeoutMilliseconds)
              other-echo:
                adapter: http
                base_url: \(echo.baseURL)/other
            \(extraConnections.replacingOccurrences(of: "ECHO", with: echo.baseURL))
            """
        var env = environment
        env["UPSTREAM_TOKEN"] = env["UPSTREAM_TOKEN"] ?? canary
        let gateway = try await GatewayProcess.start(config: config, environment: env)
        return Harness(echo: echo, gateway: gateway, key: key, canary: canary)
    }

    func url(_ path: String) -> String { self.gateway.baseURL + path }

    /// A URL on the admin listener (`/admin/v1/...`, `/oauth/{c}/start`, the console).
    func adminURL(_ path: String) -> String { self.gateway.adminURL + path }

    /// Stops the gateway and upstream, and checks that neither the upstream credential nor the
    /// caller's key appeared in the gateway's log.
    func finish() async {
        await self.gateway.stop()
        self.echo.stop()
        self.client.shutdown()
        let log = self.gateway.log
        #expect(!log.contains(self.canary), "the upstream credential leaked into the log")
        #expect(!log.contains(self.key), "the caller's API key leaked into the log")
    }
}
