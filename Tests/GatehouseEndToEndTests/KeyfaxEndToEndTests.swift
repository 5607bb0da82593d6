import Foundation
import GatehouseCore
import GatehouseKeyfaxSimulator
import GatehouseTestSupport
import Logging
import Synchronization
import Testing

/// The real gateway process against the Keyfax simulator: keys bootstrapped through the admin
/// API, start-up to results with Basic and with Bearer, and a key rotation under load.
@Suite(.timeLimit(.minutes(3))) struct KeyfaxEndToEndTests {
    struct Setup {
        let h: Harness
        let vault: VaultSetup
        let state: KeyfaxSimulatorState
        let simulatorPort: Int
        let task: Task<Void, any Error>
        static let hookSecret = "e2e-hook-secret-" + UUID().uuidString

        var admin: [String: String] { ["Authorization": "Bearer \(self.vault.adminToken)"] }
        var json: [String: String] { self.h.auth.merging(["Content-Type": "application/json"]) { $1 } }

        static func start(auth: String, format: String = "json") async throws -> Setup {
            let state = KeyfaxSimulatorState(.init(hosts: ["Dev": nil]))
            var logger = Logger(label: "test.keyfax")
            logger.logLevel = .error
            let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
            let task = Task { try await KeyfaxSimulator(port: 0, logger: logger, state: state).run { continuation.yield($0) } }
            var ports = stream.makeAsyncIterator()
            let port = try #require(await ports.next())
            let vault = try await VaultSetup.make()
            try await vault.put("kf/hook_secret", Self.hookSecret)
            let h = try await Harness.start(
                extraConnections: """
                      kf:
                        adapter: keyfax
                        base_url: http://127.0.0.1:\(port)/interview
                        credentials: { hook_secret: vault:kf/hook_secret }
                        options: { host_name: Dev, auth: \(auth), format: \(format) }
                    """,
                grants: ["echo", "kf"],
                server: vault.section
            )
            state.setWebHook(h.gateway.baseURL + "/hooks/kf/keyfax-keys/" + Self.hookSecret, for: "Dev")
            let setup = Setup(h: h, vault: vault, state: state, simulatorPort: port, task: task)
            let bootstrap = try await h.client.send(.post, h.adminURL("/admin/v1/connections/kf/keyfax/bootstrap"), headers: setup.admin)
            #expect(bootstrap.status == 200, "\(bootstrap.text)")
            return setup
        }

        func operation(_ name: String, _ body: String = "{}") async throws -> TestClient.Answer {
            try await self.h.client.send(.post, self.h.url("/v1/kf/\(name)"), headers: self.json, body: Array(body.utf8))
        }

        func simulator(_ path: String, post: Bool = false) async throws -> TestClient.Answer {
            try await self.h.client.send(post ? .post : .get, "http://127.0.0.1:\(self.simulatorPort)/_sim/\(path)")
        }

        func finish() async {
            let keys = self.state.currentKeys(host: "Dev")
            await self.h.finish()
            self.task.cancel()
            for secret in [keys?.apiKey, keys?.signingKey, Self.hookSecret].compactMap({ $0 }) {
                #expect(!self.h.gateway.log.contains(secret), "a Keyfax key reached the gateway log")
            }
        }
    }

    @Test(arguments: ["basic", "bearer"])
    func startupToResults(auth: String) async throws {
        let setup = try await Setup.start(auth: auth)
        let launch = try await setup.operation("startup", #"{"mode":{"value":"ROL"},"company":{"value":"OL3_Dev"}}"#)
        #expect(launch.status == 200, "\(launch.text)")
        let guid = try #require(launch.json["data"]?["guid"]?.stringValue)
        let launchURL = try #require(launch.json["data"]?["launchUrl"]?.stringValue)
        let request = #"{"company":"OL3_Dev","guid":"\#(guid)"}"#

        // Not launched yet (422) and launched but not finished (202): a pending answer, not an error.
        var results = try await setup.operation("results", request)
        #expect(results.status == 202)
        #expect(results.json["data"] == .null)
        #expect(results.json["meta"]?["state"] == "pending")
        #expect(results.json["meta"]?["upstream_status"] == 422)
        #expect(try await setup.h.client.send(.get, launchURL).status == 200)
        results = try await setup.operation("results", request)
        #expect(results.json["meta"]?["upstream_status"] == 202)
        #expect(try await setup.simulator("sessions/\(guid)/complete", post: true).status == 200)
        results = try await setup.operation("results", request)
        #expect(results.status == 200)
        #expect(results.json["data"]?["KeyfaxData"]?["GUID"]?.stringValue == guid)
        #expect(results.json["data"]?["KeyfaxData"]?["Call"]?["Repair"]?.arrayValue?.count == 2)

        let example = try await setup.operation("startup.example")
        #expect(example.json["data"]?["mode"]?["value"] == "ROL")
        // Proxy mode: signed the same way.
        let proxied = try await setup.h.client.send(.get, setup.h.url("/proxy/kf/api/v1/startup"), headers: setup.h.auth)
        #expect(proxied.status == 200)
        // The client-side flow: browser code gets a JWT and the host, never the signing key.
        let clientToken = try await setup.operation("client_token")
        #expect(clientToken.json["data"]?["host"] == "Dev")
        let token = try #require(clientToken.json["data"]?["token"]?.stringValue)
        let direct = try await setup.h.client.send(
            .get,
            "http://127.0.0.1:\(setup.simulatorPort)/interview/api/v1/startup",
            headers: ["Authorization": "Bearer Dev:\(token)"]
        )
        #expect(direct.status == 200)
        let stats = try await setup.simulator("stats").json
        #expect(stats["nonce_reuses"] == 0)
        #expect(stats["rejections"]?.arrayValue?.isEmpty == true, "\(stats)")

        // Credential health: ok, with the JWT's expiry once one is held.
        var health = try await setup.h.client.send(.get, setup.h.adminURL("/admin/v1/connections/kf"), headers: setup.admin)
        #expect(health.json["data"]?["state"] == "ok", "\(health.text)")
        #expect(health.json["data"]?["expiries"]?["jwt"]?.stringValue != nil)
        // Keys Keyfax no longer knows: the call fails as upstream_error and the health says so.
        setup.state.forgetKeys(host: "Dev")
        let refused = try await setup.operation("startup.example")
        #expect(refused.status == 502)
        #expect(refused.errorCode == "upstream_error")
        health = try await setup.h.client.send(.get, setup.h.adminURL("/admin/v1/connections/kf"), headers: setup.admin)
        #expect(health.json["data"]?["state"] == "failing", "\(health.text)")
        await setup.finish()
    }

    @Test func xmlFormatCarriesStartupAndResultsAsXML() async throws {
        let setup = try await Setup.start(auth: "basic", format: "xml")
        // The caller sends its start-up data as XML too; Keyfax receives <KeyfaxData>...</KeyfaxData>.
        let xmlHeaders = setup.h.auth.merging(["Content-Type": "application/xml"]) { $1 }
        let launch = try await setup.h.client.send(
            .post,
            setup.h.url("/v1/kf/startup"),
            headers: xmlHeaders,
            body: Array("<startup><Mode>ROL</Mode><Company>OL3_XML</Company></startup>".utf8)
        )
        #expect(launch.status == 200, "\(launch.text)")
        // Only an XML body names the company this way: the simulator read XML.
        #expect(launch.json["data"]?["company"] == "OL3_XML")
        let guid = try #require(launch.json["data"]?["guid"]?.stringValue)
        #expect(try await setup.simulator("sessions/\(guid)/complete", post: true).status == 200)
        let results = try await setup.h.client.send(
            .post,
            setup.h.url("/v1/kf/results"),
            headers: xmlHeaders,
            body: Array("<r><company>OL3_XML</company><guid>\(guid)</guid></r>".utf8)
        )
        #expect(results.status == 200, "\(results.text)")
        let data = results.json["data"]?["KeyfaxData"]
        #expect(data?["GUID"]?.stringValue == guid)
        #expect(data?["Call"]?["@name"] == "Call1")
        #expect(data?["Call"]?["Repair"]?.arrayValue?.count == 2)
        #expect(data?["Call"]?["ScriptPath"]?["#cdata-section"]?.stringValue?.contains("<b>in the bathroom</b>") == true)
        // And back to the caller as XML when it asks.
        let asXML = try await setup.h.client.send(
            .post,
            setup.h.url("/v1/kf/results"),
            headers: xmlHeaders.merging(["Accept": "application/xml"]) { $1 },
            body: Array("<r><company>OL3_XML</company><guid>\(guid)</guid></r>".utf8)
        )
        #expect(asXML.text.contains("<GUID>\(guid)</GUID>"), "\(asXML.text)")
        await setup.finish()
    }

    @Test func keysRotateThroughTheWebHookWhileTwentyCallersKeepCalling() async throws {
        let setup = try await Setup.start(auth: "basic")
        let oldKeys = try #require(setup.state.currentKeys(host: "Dev"))
        let load = Load()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    while !load.stopped {
                        let answer = try await setup.operation("startup.example")
                        load.count(failure: answer.status == 200 ? nil : "\(answer.status) \(answer.text)")
                    }
                }
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(300))
                let rotated = try await setup.h.client.send(.post, setup.h.adminURL("/admin/v1/connections/kf/keyfax/rotate"), headers: setup.admin)
                #expect(rotated.status == 200, "\(rotated.text)")
                #expect(rotated.json["data"]?["rotated"] == true)
                try await Task.sleep(for: .milliseconds(400))
                load.stop()
            }
            try await group.waitForAll()
        }
        #expect(load.failures.isEmpty, "\(load.failures.prefix(3))")
        let newKeys = try #require(setup.state.currentKeys(host: "Dev"))
        #expect(newKeys.apiKey != oldKeys.apiKey)

        // The new keys are in use; the old ones are dead upstream and Gatehouse no longer sends them.
        let before = try await setup.simulator("stats").json
        for _ in 0..<20 { #expect(try await setup.operation("startup.example").status == 200) }
        let after = try await setup.simulator("stats").json
        #expect(after["accepted_by_api_key"]?[oldKeys.apiKey] == before["accepted_by_api_key"]?[oldKeys.apiKey])
        #expect((after["accepted_by_api_key"]?[newKeys.apiKey]?.intValue ?? 0) >= 20)
        #expect(after["nonce_reuses"] == 0)
        #expect(after["web_hook_deliveries"] == 1)
        let audit = try await setup.vault.cli(["vault", "list"])
        #expect(audit.contains("kf/api_key") && audit.contains("webhook"))
        print("keyfax rotation under load: \(load.calls) calls by 20 callers, \(load.failures.count) failed")
        await setup.finish()
    }
}

/// Counters shared by the concurrent callers of a load test.
final class Load: Sendable {
    private let state = Mutex((stopped: false, calls: 0, failures: [String]()))
    var stopped: Bool { self.state.withLock { $0.stopped } }
    var calls: Int { self.state.withLock { $0.calls } }
    var failures: [String] { self.state.withLock { $0.failures } }
    func stop() { self.state.withLock { $0.stopped = true } }
    func count(failure: String?) {
        self.state.withLock { state in
            state.calls += 1
            if let failure { state.failures.append(failure) }
        }
    }
}
