import Foundation
import GatehouseCore
import GatehouseTestSupport
import Testing

/// The real gateway in front of the real Checkfront simulator (both child processes), a vault
/// made with the real CLI, and the OAuth2 browser steps driven by hand.
@Suite(.serialized, .timeLimit(.minutes(5))) struct CheckfrontEndToEndTests {
    static let consumerSecret = "DEMO-ONLY-checkfront-consumer-secret"

    final class Rig: Sendable {
        let vault: VaultSetup
        let simulator: GatewayProcess
        let client = TestClient()
        let key: String
        let config: String
        /// Variables the gateway is started with (for `env:` references in `extra`).
        nonisolated(unsafe) var environment: [String: String] = [:]
        nonisolated(unsafe) var gateway: GatewayProcess

        init(vault: VaultSetup, simulator: GatewayProcess, key: String, config: String, gateway: GatewayProcess) {
            self.vault = vault
            self.simulator = simulator
            self.key = key
            self.config = config
            self.gateway = gateway
        }

        var sim: String { self.simulator.baseURL }
        var admin: [String: String] { ["Authorization": "Bearer \(self.vault.adminToken)"] }
        var caller: [String: String] { ["Authorization": "Bearer \(self.key)", "Content-Type": "application/json"] }

        /// `extraConnections` is YAML appended under `connections:`, `extraGrants` more of the
        /// tester's connections, `extra` more top-level sections.
        static func start(
            extraConnections: String = "", extraGrants: String = "", extra: String = "", logFormat: String = "logfmt",
            environment: [String: String] = [:]
        ) async throws -> Rig {
            let vault = try await VaultSetup.make()
            try await vault.put("cf/client_id", "DEMO-ONLY-checkfront-consumer-key")
            try await vault.put("cf/client_secret", CheckfrontEndToEndTests.consumerSecret)
            try await vault.put("cfpair/api_key", "DEMO-ONLY-checkfront-api-key")
            try await vault.put("cfpair/api_secret", "DEMO-ONLY-checkfront-api-secret")
            let simulator = try await GatewayProcess.simulator("checkfront")
            let (key, hash) = APIKey.generate()
            let config = """
                server: { host: 127.0.0.1, port: 0, shutdown_grace_seconds: 2, log_format: \(logFormat) }
                \(vault.section)
                \(extra)
                clients:
                  tester: { key_sha256: "\(hash)", connections: [cf, cfpair\(extraGrants)] }
                connections:
                  cf:
                    adapter: checkfront
                    base_url: \(simulator.baseURL)
                    credentials: { client_id: vault:cf/client_id, client_secret: vault:cf/client_secret }
                    options: { auth: oauth2, redirect_uri: "http://127.0.0.1:1/oauth/cf/callback" }
                  cfpair:
                    adapter: checkfront
                    base_url: \(simulator.baseURL)
                    credentials: { api_key: vault:cfpair/api_key, api_secret: vault:cfpair/api_secret }
                \(extraConnections)
                """
            let gateway = try await GatewayProcess.start(config: config, environment: environment)
            let rig = Rig(vault: vault, simulator: simulator, key: key, config: config, gateway: gateway)
            rig.environment = environment
            return rig
        }

        func restart() async throws {
            self.gateway = try await GatewayProcess.start(config: self.config, environment: self.environment)
        }

        /// Ages the authorized grant as far as the gateway knows: its refresh token (a canary value)
        /// now lapses in two days, inside the warning window, and the next five token calls fail
        /// with 503; then the gateway restarts. Returns the lapse time and the canary.
        func ageGrantWithFailingRenewal() async throws -> (lapse: Timestamp, canary: String) {
            await self.gateway.stop()
            let lapse = Timestamp(seconds: Timestamp.now().seconds + 2 * 86_400)
            let canary = "rt-CANARY-" + UUID().uuidString
            try await self.vault.cli(
                ["vault", "put", "cf/refresh_token", "--expires-at", lapse.iso8601], stdin: canary + "\n")
            try await self.control("/_sim/fail", #"{"token_endpoint": 5, "status": 503}"#)
            try await self.restart()
            return (lapse, canary)
        }

        func url(_ path: String) -> String { self.gateway.baseURL + path }

        /// A URL on the admin listener.
        func adminURL(_ path: String) -> String { self.gateway.adminURL + path }

        func stats() async throws -> Value { try await self.client.send(.get, self.sim + "/_sim/stats").json }

        func control(_ path: String, _ body: String = "{}") async throws {
            _ = try await self.client.send(.post, self.sim + path, body: Array(body.utf8))
        }

        /// start → the simulator's authorize page (approved) → the callback query the browser would bring back.
        func approve() async throws -> String {
            let start = try await self.client.send(.get, self.adminURL("/oauth/cf/start"), headers: self.admin)
            #expect(start.status == 302)
            let authorize = try #require(start.headers[.location])
            #expect(
                authorize.hasPrefix(
                    self.sim + "/oauth/?client_id=DEMO-ONLY-checkfront-consumer-key&response_type=code&redirect_uri="))
            let approved = try await self.client.send(.get, authorize + "&approve=yes")
            #expect(approved.status == 302)
            let back = try #require(approved.headers[.location])
            return String(back.split(separator: "?", maxSplits: 1)[1])
        }

        func authorize() async throws {
            let callback = try await self.client.send(
                .get, self.url("/oauth/cf/callback?" + (try await self.approve())))
            #expect(callback.status == 200, "\(callback.text)")
        }

        func call(_ operation: String = "item.list", _ body: String = "{}") async throws -> TestClient.Answer {
            try await self.client.send(
                .post, self.url("/v1/cf/\(operation)"), headers: self.caller, body: Array(body.utf8))
        }

        func finish() async {
            await self.gateway.stop()
            await self.simulator.stop()
            self.client.shutdown()
            let log = self.gateway.log
            #expect(!log.contains(CheckfrontEndToEndTests.consumerSecret), "the consumer secret leaked into the log")
            #expect(!log.contains("DEMO-ONLY-checkfront-api-secret"), "the token-pair secret leaked into the log")
            #expect(!log.contains("at-"), "an access token leaked into the log")
            #expect(!log.contains("rt-"), "a refresh token leaked into the log")
        }
    }

    /// The redaction canaries (the consumer secret, the token pair's secret, every access and
    /// refresh token) run in both `server.log_format`s.
    @Test(arguments: ProxyTests.logFormats) func theWholeFlowStateChecksAndCredentialHygiene(format: String)
        async throws
    {
        let rig = try await Rig.start(logFormat: format)
        // Before authorizing: the connection needs it, and says so.
        #expect(try await rig.call().errorCode == "needs_reauthorization")
        #expect(try await rig.client.send(.get, rig.adminURL("/oauth/cf/start")).status == 401)
        let listed = try await rig.client.send(
            .post, rig.adminURL("/admin/v1/connections/cf/authorize"), headers: rig.admin)
        #expect(listed.json["data"]?["authorize_url"]?.stringValue?.contains("&state=") == true)

        // Missing, wrong, reused and (below) denied state: 400, the token endpoint is not called.
        let query = try await rig.approve()
        let code = String(query.split(separator: "&").first { $0.hasPrefix("code=") }!.dropFirst(5))
        #expect(try await rig.client.send(.get, rig.url("/oauth/cf/callback?code=\(code)")).status == 400)
        #expect(try await rig.client.send(.get, rig.url("/oauth/cf/callback?code=\(code)&state=forged")).status == 400)
        #expect(try await rig.stats()["token_calls"] == 0)
        #expect(try await rig.client.send(.get, rig.url("/oauth/cf/callback?" + query)).status == 200)
        #expect(try await rig.client.send(.get, rig.url("/oauth/cf/callback?" + query)).status == 400)  // state reused
        #expect(try await rig.stats()["token_calls"] == 1)
        // A reused code with a fresh state: Checkfront refuses it, nothing changes.
        let fresh = try await rig.approve()
        let state = String(fresh.split(separator: "&").first { $0.hasPrefix("state=") }!)
        let reused = try await rig.client.send(.get, rig.url("/oauth/cf/callback?code=\(code)&\(state)"))
        #expect(reused.status == 400)
        #expect(reused.json["error"]?["upstream_kind"] == "invalid_grant")

        // API calls: the uniform envelope, form-encoded updates, proxy, token pairs.
        let items = try await rig.call("item.list")
        #expect(items.status == 200, "\(items.text)")
        #expect(items.json["data"]?.arrayValue?.count == 3)
        #expect(items.json["meta"]?["request"]?["status"] == "OK")
        #expect(try await rig.call("item.list", #"{"category_id": 99}"#).json["data"] == [])
        let page = try await rig.call("booking.list", #"{"limit": 2}"#)
        #expect(page.json["page"] == ["next": "2", "total": 5])
        let updated = try await rig.call("booking.update", #"{"id": 2, "status_id": "PAID", "param": {"adults": 2}}"#)
        #expect(updated.json["data"]?["status_id"] == "PAID")
        #expect(
            try await rig.stats()["last_form"] == [
                ["name": "status_id", "value": "PAID"], ["name": "param[adults]", "value": "2"],
            ])
        #expect(
            try await rig.client.send(.get, rig.url("/proxy/cf/api/3.0/ping"), headers: rig.caller).json["pong"] == true
        )
        let pair = try await rig.client.send(
            .post, rig.url("/v1/cfpair/item.get"), headers: rig.caller, body: Array(#"{"id": 1}"#.utf8))
        #expect(pair.json["data"]?["name"] == "Sunset Kayak Tour")
        let health = try await rig.client.send(.get, rig.adminURL("/admin/v1/connections"), headers: rig.admin)
        #expect(health.json["data"]?.arrayValue?.map { $0["state"] } == ["ok", "ok"])
        #expect(health.json["data"]?.arrayValue?.first?["expiries"]?["refresh_token"] != nil)
        // A moved account: the 301 is an error naming base_url, the credential is not sent there.
        try await rig.control("/_sim/redirect", #"{"to": "http://127.0.0.2:9"}"#)
        let moved = try await rig.call("item.list")
        #expect(moved.status == 502)
        #expect(moved.json["error"]?["message"]?.stringValue?.contains("update base_url") == true)
        try await rig.control("/_sim/redirect", #"{"to": null}"#)

        let stats = try await rig.stats()
        #expect(stats["consumer_secret_on_api"] == 0)
        #expect(stats["token_in_url"] == 0)
        await rig.finish()
    }

    @Test func refreshIsSingleFlightUsesTheLatestTokenAndSurvivesFailures() async throws {
        let rig = try await Rig.start()
        try await rig.authorize()
        // Expired at Checkfront, believed fresh by Gatehouse: 100 concurrent callers, one refresh.
        try await rig.control("/_sim/clock", #"{"advance_seconds": 14001}"#)
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<100 { group.addTask { try await rig.call("item.get", #"{"id": 1}"#).status } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.allSatisfy { $0 == 200 })
        let afterBurst = try await rig.stats()
        print(
            "checkfront: 100 concurrent callers after expiry -> \(afterBurst["refreshes"]?.intValue ?? -1) refresh(es)")
        #expect(afterBurst["refreshes"] == 1)
        // Two more rounds: each uses the latest refresh token (reusing an old one would revoke the grant).
        for _ in 0..<2 {
            try await rig.control("/_sim/clock", #"{"advance_seconds": 14001}"#)
            #expect(try await rig.call().status == 200)
        }
        var stats = try await rig.stats()
        #expect(stats["refreshes"] == 3)
        #expect(stats["revoked_grants"] == 0)
        #expect(Set(stats["refresh_tokens_seen"]?.arrayValue ?? []).count == 3)

        // A 5xx during a refresh: tokens kept; once the simulator recovers, calls work again.
        try await rig.control("/_sim/fail", #"{"token_endpoint": 1, "status": 503}"#)
        try await rig.control("/_sim/clock", #"{"advance_seconds": 14001}"#)
        #expect(try await rig.call().status == 503)
        var recovered = 0
        for _ in 0..<40 where recovered != 200 {
            try await Task.sleep(for: .milliseconds(250))
            recovered = try await rig.call().status
        }
        #expect(recovered == 200)
        #expect(try await rig.stats()["revoked_grants"] == 0)

        // invalid_grant: needs_reauthorization everywhere, and no more token calls.
        try await rig.control("/_sim/revoke")
        try await rig.control("/_sim/clock", #"{"advance_seconds": 14001}"#)
        #expect(try await rig.call().errorCode == "needs_reauthorization")
        let calls = try await rig.stats()["token_calls"]
        for _ in 0..<5 { #expect(try await rig.call().status == 503) }
        stats = try await rig.stats()
        #expect(stats["token_calls"] == calls)
        let health = try await rig.client.send(.get, rig.adminURL("/admin/v1/connections/cf"), headers: rig.admin)
        #expect(health.json["data"]?["state"] == "needs_reauthorization")
        #expect(health.json["data"]?["last_error"] == "invalid_grant")
        let metrics = try await rig.client.send(.get, rig.url("/metrics")).text
        #expect(metrics.contains(#"gatehouse_connection_state{connection="cf",state="needs_reauthorization"} 1"#))
        // Re-authorizing brings it back.
        try await rig.authorize()
        #expect(try await rig.call().status == 200)
        #expect(try await rig.stats()["consumer_secret_on_api"] == 0)
        await rig.finish()
    }

    @Test func aDeniedAuthorizationIsA400AndStoresNothing() async throws {
        let rig = try await Rig.start()
        let start = try await rig.client.send(.get, rig.adminURL("/oauth/cf/start"), headers: rig.admin)
        let authorize = try #require(start.headers[.location])
        let denied = try await rig.client.send(.get, authorize + "&approve=no")
        #expect(denied.status == 302)
        let back = try #require(denied.headers[.location])
        #expect(back.contains("error=access_denied"))
        let callback = try await rig.client.send(
            .get, rig.url("/oauth/cf/callback?" + back.split(separator: "?", maxSplits: 1)[1]))
        #expect(callback.status == 400)
        #expect(callback.errorCode == "bad_request")
        let message = callback.json["error"]?["message"]?.stringValue ?? ""
        #expect(message.contains("denied access"), "\(callback.text)")
        #expect(message.contains("nothing was stored"))
        #expect(try await rig.stats()["token_calls"] == 0)
        let listed = try await rig.vault.cli(["vault", "list"])
        #expect(!listed.contains("cf/access_token") && !listed.contains("cf/refresh_token"), "\(listed)")
        #expect(try await rig.call().errorCode == "needs_reauthorization")
        // Approving afterwards works as usual.
        try await rig.authorize()
        #expect(try await rig.call().status == 200)
        await rig.finish()
    }

    @Test func anAgingGrantWhoseRenewalFailsIsWarnedAboutInStatusMetricsAndLog() async throws {
        let rig = try await Rig.start()
        try await rig.authorize()
        // As far as the gateway knows, the grant is twelve days old: its refresh token lapses in two.
        let (lapse, canary) = try await rig.ageGrantWithFailingRenewal()

        // No caller traffic: the maintenance service tries to renew the grant, fails, and warns.
        var connection: Value = .null
        for _ in 0..<100 where connection["warning"] == nil {
            try await Task.sleep(for: .milliseconds(100))
            connection =
                try await rig.client.send(.get, rig.adminURL("/admin/v1/connections/cf"), headers: rig.admin).json[
                    "data"] ?? .null
        }
        let warning = try #require(connection["warning"]?.stringValue)
        #expect(warning.contains("lapses at \(lapse.iso8601)"))
        #expect(warning.contains("/oauth/cf/start"))
        #expect(connection["state"] == "failing")
        let listed = try await rig.client.send(.get, rig.adminURL("/admin/v1/connections"), headers: rig.admin).text
        #expect(listed.contains(warning))
        #expect(!listed.contains(canary))
        let metrics = try await rig.client.send(.get, rig.url("/metrics")).text
        #expect(metrics.contains(#"gatehouse_connection_warning{connection="cf"} 1"#))
        #expect(metrics.contains(#"gatehouse_connection_warning{connection="cfpair"} 0"#))
        #expect(!metrics.contains(canary))
        // The operator's view: `gatehouse connections --config F`, the admin listener's address
        // taken from F (here the running gateway's file with the port it was given), the admin
        // token from the vault.
        let port = try #require(rig.gateway.adminPort)
        let cliConfig = rig.gateway.configPath + ".cli.yaml"
        let withPort = rig.config.replacingOccurrences(
            of: "admin: { token: vault:admin/token }", with: "admin: { token: vault:admin/token, port: \(port) }")
        #expect(withPort != rig.config)
        try withPort.write(toFile: cliConfig, atomically: true, encoding: .utf8)
        let table = try await GatewayProcess.run(
            ["connections", "--config", cliConfig], environment: rig.vault.environment)
        #expect(table.status == 0, "\(table.stderr)")
        let row = try #require(table.stdout.split(separator: "\n").first { $0.hasPrefix("cf ") }, "\(table.stdout)")
        #expect(row.contains(" checkfront ") && row.contains(" failing "), "\(row)")
        let expiries = connection["expiries"]?.objectValue?.members ?? []
        #expect(!expiries.isEmpty, "\(connection)")
        for expiry in expiries {
            #expect(row.contains("\(expiry.key) \(expiry.value.stringValue ?? "?")"), "\(row)")
        }
        #expect(row.contains(warning), "\(row)")
        let lastError = try #require(connection["last_error"]?.stringValue)
        #expect(row.contains(lastError + " at "), "\(row)")
        #expect(!table.stdout.contains(canary))
        let json = try await GatewayProcess.run(
            ["connections", "--json", "--config", cliConfig], environment: rig.vault.environment)
        let cf = try JSON.parse(json.stdout).arrayValue?.first { $0["name"] == "cf" }
        #expect(cf?["state"] == "failing" && cf?["warning"]?.stringValue == warning, "\(json.stdout)")
        let log = rig.gateway.log
        #expect(log.contains("checkfront refresh token lapses soon"))
        #expect(log.contains(lapse.iso8601))
        #expect(!log.contains(canary))
        let stats = try await rig.stats()
        #expect(stats["api_calls"] == 0)
        #expect(stats["token_calls"] == 2)  // the code exchange, then the failed renewal
        await rig.finish()
    }

    @Test func killedDuringRefreshesEveryConnectionWorksOrAsksForReauthorization() async throws {
        let rig = try await Rig.start()
        try await rig.authorize()
        var working = 0
        var reauthorize = 0
        for _ in 0..<20 {
            let loop = Task {
                while !Task.isCancelled {
                    try await rig.control("/_sim/clock", #"{"advance_seconds": 14001}"#)
                    _ = try? await rig.call()
                }
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 50...400)))
            await rig.gateway.stop(signal: SIGKILL)
            loop.cancel()
            _ = try? await loop.value
            try await rig.restart()
            let answer = try await rig.call()
            if answer.status == 200 {
                working += 1
            } else {
                #expect(answer.errorCode == "needs_reauthorization", "a connection failed silently: \(answer.text)")
                let health = try await rig.client.send(
                    .get, rig.adminURL("/admin/v1/connections/cf"), headers: rig.admin)
                #expect(health.json["data"]?["state"] == "needs_reauthorization")
                reauthorize += 1
                try await rig.authorize()
            }
        }
        print("checkfront SIGKILL during refresh x20: \(working) working, \(reauthorize) needs_reauthorization")
        #expect(working + reauthorize == 20)
        await rig.finish()
    }
}
