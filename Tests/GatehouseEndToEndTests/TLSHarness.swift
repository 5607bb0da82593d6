import Foundation
import GatehouseCore
import GatehouseTestSupport
import Testing

/// A real gateway whose connections go to the TLS servers of a real nginx (``NginxTLSFixture``)
/// with the certificates of one ``TLSCertificates``; a client key granted every connection and a
/// canary upstream token that must reach the upstream and never a log.
struct TLSHarness {
    let certificates: TLSCertificates
    let nginx: NginxTLSFixture
    let gateway: GatewayProcess
    let client = TestClient()
    let key: String
    let canary: String

    var auth: [String: String] { ["Authorization": "Bearer \(self.key)"] }

    /// Connection YAML for `base_url` with the canary credential; `extra` lines go under it.
    static func connection(_ name: String, _ baseURL: String, _ extra: String = "") -> String {
        """
          \(name):
            adapter: http
            base_url: \(baseURL)
            credentials: { token: env:UPSTREAM_TOKEN }
            options: { header: Authorization, template: "Bearer {token}" }
            timeout_ms: 30000
        \(extra.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
        """
    }

    /// Starts nginx and a gateway. `connections` builds the `connections:` YAML from nginx and
    /// the certificates; `top` is extra top-level YAML (a vault section).
    static func start(
        certificates: TLSCertificates? = nil,
        top: String = "",
        environment: [String: String] = [:],
        connections: (NginxTLSFixture, TLSCertificates) -> [(name: String, yaml: String)]
    ) async throws -> TLSHarness {
        let made: TLSCertificates
        if let certificates { made = certificates } else { made = try await TLSCertificates.make() }
        let certificates = made
        let nginx = try await NginxTLSFixture.start(certificates)
        let (key, hash) = APIKey.generate()
        let canary = "canary-" + APIKey.generate().key.dropFirst(3).prefix(20)
        let entries = connections(nginx, certificates)
        let config = """
            server: { host: 127.0.0.1, port: 0, shutdown_grace_seconds: 5 }
            \(top)
            clients:
              tester:
                key_sha256: "\(hash)"
                connections: [\(entries.map(\.name).joined(separator: ", "))]
            connections:
            \(entries.map(\.yaml).joined(separator: "\n"))
            """
        var env = environment
        env["UPSTREAM_TOKEN"] = canary
        let gateway = try await GatewayProcess.start(config: config, environment: env)
        return TLSHarness(certificates: certificates, nginx: nginx, gateway: gateway, key: key, canary: canary)
    }

    func url(_ path: String) -> String { self.gateway.baseURL + path }

    /// Stops everything; the canary never reached the gateway's log.
    func finish() async {
        await self.gateway.stop()
        self.nginx.stop()
        self.client.shutdown()
        #expect(!self.gateway.log.contains(self.canary), "the upstream credential leaked into the log")
        #expect(!self.gateway.log.contains(self.key), "the caller's key leaked into the log")
    }
}
