import Foundation
import GatehouseCore
import GatehouseTestSupport
import HTTPTypes
import Testing

/// The admin listener apart from the data plane, against the real gateway: each listener serves
/// its own routes and answers the other's with the plain 404 of an unknown path.
@Suite(.timeLimit(.minutes(3))) struct AdminListenerTests {
    static let oauthConnection = """
          cf:
            adapter: checkfront
            base_url: http://127.0.0.1:1
            credentials: { client_id: vault:cf/client_id, client_secret: vault:cf/client_secret }
            options: { auth: oauth2, redirect_uri: "http://127.0.0.1:1/oauth/cf/callback" }
        """

    @Test func eachListenerServesOnlyItsOwnRoutes() async throws {
        let vault = try await VaultSetup.make()
        try await vault.put("cf/client_id", "DEMO-ONLY-checkfront-consumer-key")
        try await vault.put("cf/client_secret", "DEMO-ONLY-checkfront-consumer-secret")
        let h = try await Harness.start(extraConnections: Self.oauthConnection, server: vault.section)
        do {
            let admin = ["Authorization": "Bearer \(vault.adminToken)"]
            let adminPort = try #require(h.gateway.adminPort)
            #expect(adminPort != h.gateway.port)
            #expect(h.gateway.log.contains("admin_host=127.0.0.1 admin_port=\(adminPort) event_loops="))
            #expect(h.gateway.log.contains(" host=127.0.0.1 port=\(h.gateway.port) "))

            // The admin listener: the admin API and the OAuth start, behind the admin token.
            #expect(try await h.client.send(.get, h.adminURL("/admin/v1/secrets"), headers: admin).status == 200)
            #expect(try await h.client.send(.get, h.adminURL("/admin/v1/secrets")).status == 401)
            let start = try await h.client.send(.get, h.adminURL("/oauth/cf/start"), headers: admin)
            #expect(start.status == 302, "\(start.text)")
            #expect(
                start.headers[.location]?.hasPrefix(
                    "http://127.0.0.1:1/oauth/?client_id=DEMO-ONLY-checkfront-consumer-key") == true)

            // The data plane: the same calls, token and all, are unknown routes.
            for path in ["/admin/v1/secrets", "/admin/v1/connections", "/oauth/cf/start"] {
                let answer = try await h.client.send(.get, h.url(path), headers: admin)
                #expect(answer.status == 404, "\(path): \(answer.status) \(answer.text)")
                #expect(answer.json["error"]?["message"] == .string("no route for GET \(path)"), "\(answer.text)")
            }
            let put = try await h.client.send(
                .put, h.url("/admin/v1/secrets/x/y"), headers: admin, body: Array(#"{"value":"v"}"#.utf8))
            #expect(put.status == 404)
            #expect(try await vault.cli(["vault", "list"]).contains("x/y") == false)

            // The data plane still serves callers, vendors and probes...
            #expect(try await h.client.send(.get, h.url("/proxy/echo/x"), headers: h.auth).status == 200)
            #expect(try await h.client.send(.get, h.url("/oauth/cf/callback")).status == 400)
            #expect(try await h.client.send(.get, h.url("/healthz")).status == 200)
            #expect(try await h.client.send(.get, h.url("/metrics")).status == 200)
            // ...which the admin listener does not.
            for (method, path) in [
                ("GET", "/proxy/echo/x"), ("POST", "/v1/echo/request"), ("GET", "/oauth/cf/callback"),
                ("POST", "/hooks/cf/x"), ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"),
            ] {
                let answer = try await h.client.send(
                    .init(method)!, h.adminURL(path), headers: h.auth, body: method == "POST" ? Array("{}".utf8) : nil)
                #expect(answer.status == 404, "\(path) on the admin listener: \(answer.status) \(answer.text)")
            }
            #expect(h.echo.recorder.all.count == 1)
        } catch {
            await h.finish()
            throw error
        }
        await h.finish()
        #expect(!h.gateway.log.contains(vault.adminToken))
    }

    @Test func sharingAPortIsRefusedBeforeServing() async throws {
        let directory = try TemporaryDirectory.make()
        let path = directory + "/gatehouse.yaml"
        try "server: { port: 18123 }\nadmin: { token: env:T, port: 18123 }\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        let checked = try await GatewayProcess.run(["check-config", "--config", path])
        #expect(checked.status == 2)
        #expect(
            checked.stderr.contains("\(path):2: admin.port: the admin listener needs its own port"), "\(checked.stderr)"
        )
        // The same through the command-line overrides.
        try "server: { port: 0 }\nadmin: { token: env:T, port: 0 }\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        let served = try await GatewayProcess.run(
            ["serve", "--config", path, "--port", "18124", "--admin-port", "18124"], environment: ["T": "t"])
        #expect(served.status == 2)
        #expect(served.stderr.contains("the admin listener needs its own port"), "\(served.stderr)")
    }
}
