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
        let fixture: SimulatorFixture<KeyfaxSimulator>
        static let hookSecret = "e2e-hook-secret-" + UUID().uuidString

        var admin: [String: String] { ["Authorization": "Bearer \(self.vault.adminToken)"] }
        var json: [String: String] { self.h.auth.merging(["Content-Type": "application/json"]) { $1 } }

        static func start(
            auth: String, format: String = "json", options: [String] = [], hostName: String = "Dev",
            simulator: KeyfaxSimulator.Configuration = .init(hosts: ["Dev": nil]), bootstrap: Bool = true
        ) async throws -> Setup {
            let state = KeyfaxSimulatorState(simulator)
            var logger = Logger(label: "test.keyfax")
            logger.logLevel = .error
            let fixture = try await SimulatorFixture.start(KeyfaxSimulator(state: state, logger: logger))
            let port = fixture.port
            let vault = try await VaultSetup.make()
            try await vault.put("kf/hook_secret", Self.hookSecret)
            let h = try await Harness.start(
                extraConnections: """
                      kf:
                        adapter: keyfax
                        base_url: http://127.0.0.1:\(port)/Interview
                        credentials: { hook_secret: vault:kf/hook_secret }
                        options:
                          host_name: \(hostName)
                          auth: \(auth)
                          format: \(format)
                    \(options.map { "      " + $0 }.joined(separator: "\n"))
                    """,
                grants: ["echo", "kf"],
                server: vault.section
            )
            state.setWebHook(h.gateway.baseURL + "/hooks/kf/keyfax-keys/" + Self.hookSecret, for: hostName)
            let setup = Setup(h: h, vault: vault, state: state, simulatorPort: port, fixture: fixture)
            if bootstrap {
                let answer = try await h.client.send(
                    .post, h.adminURL("/admin/v1/connections/kf/keyfax/bootstrap"), headers: setup.admin)
                #expect(answer.status == 200, "\(answer.text)")
            }
            return setup
        }

        func operation(_ name: String, _ body: String = "{}") async throws -> TestClient.Answer {
            try await self.h.client.send(
                .post, self.h.url("/v1/kf/\(name)"), headers: self.json, body: Array(body.utf8))
        }

        func simulator(_ path: String, post: Bool = false) async throws -> TestClient.Answer {
            try await self.h.client.send(post ? .post : .get, "http://127.0.0.1:\(self.simulatorPort)/_sim/\(path)")
        }

        func finish() async {
            let keys = self.state.currentKeys(host: "Dev")
            await self.h.finish()
            self.fixture.stop()
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
        #expect(results.json["meta"]?["state"] == "completed")
        // A cancelled session: results in the same shape, Status 0 and no Call, meta.state cancelled.
        let second = try await setup.operation("startup", #"{"mode":{"value":"ROL"}}"#)
        let secondGUID = try #require(second.json["data"]?["guid"]?.stringValue)
        #expect(try await setup.simulator("sessions/\(secondGUID)/cancel", post: true).status == 200)
        let cancelled = try await setup.operation("results", #"{"company":"OL3_Dev","guid":"\#(secondGUID)"}"#)
        #expect(cancelled.status == 200, "\(cancelled.text)")
        #expect(cancelled.json["meta"]?["state"] == "cancelled")
        #expect(cancelled.json["data"]?["KeyfaxData"]?["Status"] == "0")
        #expect(cancelled.json["data"]?["KeyfaxData"]?["Call"] == nil)

        let example = try await setup.operation("startup.example")
        #expect(example.json["data"]?["mode"]?["value"] == "ROL")
        // Proxy mode: signed the same way.
        let proxied = try await setup.h.client.send(
            .get, setup.h.url("/proxy/kf/api/v1/startup"), headers: setup.h.auth)
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
        var health = try await setup.h.client.send(
            .get, setup.h.adminURL("/admin/v1/connections/kf"), headers: setup.admin)
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
        #expect(
            data?["Call"]?["ScriptPath"]?["#cdata-section"]?.stringValue?.contains("<b>in the bathroom</b>") == true)
        // And back to the caller as XML when it asks.
        let asXML = try await setup.h.client.send(
            .post,
            setup.h.url("/v1/kf/results"),
            headers: xmlHeaders.merging(["Accept": "application/xml"]) { $1 },
            body: Array("<r><company>OL3_XML</company><guid>\(guid)</guid></r>".utf8)
        )
        #expect(asXML.text.contains("<GUID>\(guid)</GUID>"), "\(asXML.text)")
        #expect(results.json["meta"]?["state"] == "completed")
        // Seed 001's form by default: the document in the startUpXml field, root KeyfaxData.
        #expect(try await setup.simulator("stats").json["startup_forms"] == ["startup_xml_field:KeyfaxData"])
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
                let rotated = try await setup.h.client.send(
                    .post, setup.h.adminURL("/admin/v1/connections/kf/keyfax/rotate"), headers: setup.admin)
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

    @Test(arguments: ["field", "body"])
    func startupXMLAsTheReferencesFieldOrAsTheBody(form: String) async throws {
        let setup = try await Setup.start(
            auth: "basic", format: "xml",
            options: ["startup_xml: \(form)", "startup_xml_root: StartUpData", "results_xml_root: Results"])
        let xmlHeaders = setup.h.auth.merging(["Content-Type": "application/xml"]) { $1 }
        let launch = try await setup.h.client.send(
            .post, setup.h.url("/v1/kf/startup"), headers: xmlHeaders,
            body: Array("<s><Mode>ROL</Mode><Company>OL3_Form</Company></s>".utf8))
        #expect(launch.status == 200, "\(launch.text)")
        #expect(launch.json["data"]?["company"] == "OL3_Form")
        let expected = form == "field" ? "startup_xml_field:StartUpData" : "xml_body:StartUpData"
        #expect(try await setup.simulator("stats").json["startup_forms"] == [.string(expected)])
        let guid = try #require(launch.json["data"]?["guid"]?.stringValue)
        #expect(try await setup.simulator("sessions/\(guid)/cancel", post: true).status == 200)
        let results = try await setup.operation("results", #"{"company":"OL3_Form","guid":"\#(guid)"}"#)
        #expect(results.status == 200, "\(results.text)")
        #expect(results.json["meta"]?["state"] == "cancelled")

        // The simulator takes only what the documents allow (signed by the gateway's proxy).
        for (contentType, body) in [
            ("text/plain", "<KeyfaxData/>"), ("application/json", #"{"startUpXml":"not xml"}"#),
            ("application/xml", "<open>"),
        ] {
            let refused = try await setup.h.client.send(
                .post, setup.h.url("/proxy/kf/api/v1/startup"),
                headers: setup.h.auth.merging(["Content-Type": contentType]) { $1 }, body: Array(body.utf8))
            #expect(refused.status == 500, "\(contentType) \(body): \(refused.text)")
        }
        await setup.finish()
    }

    @Test func tokenRenewalWithoutAnActiveKeyIsA404ThatSaysSo() async throws {
        var simulator = KeyfaxSimulator.Configuration(hosts: ["Dev": nil])
        // JWTs that are due for renewal a second after they are issued.
        simulator.tokenLifetimeSeconds = 3601
        let setup = try await Setup.start(auth: "bearer", options: ["renew_margin_seconds: 3600"], simulator: simulator)
        #expect(try await setup.operation("startup.example").status == 200)
        try await Task.sleep(for: .seconds(2))
        setup.state.forgetKeys(host: "Dev")
        let answer = try await setup.operation("startup.example")
        #expect(answer.status == 502, "\(answer.text)")
        #expect(answer.errorCode == "upstream_error")
        #expect(answer.json["error"]?["upstream_status"] == 404)
        #expect(answer.json["error"]?["upstream_kind"] == "no_active_key")
        #expect(
            answer.json["error"]?["message"]?.stringValue?.contains("no active key for host Dev") == true,
            "\(answer.text)")
        await setup.finish()
    }

    @Test func deletingKeysOfAHostKeyfaxDoesNotKnowIs304AndKeyGenerationFailureIs500() async throws {
        // Host Branch7 is not in the simulator's KeyGen list: its requests are verified with the
        // Default host's keys (seed 000), and its own keys are not in the Keyfax database.
        let setup = try await Setup.start(
            auth: "basic", hostName: "Branch7", simulator: .init(hosts: ["Default": nil]), bootstrap: false)
        let issued = try await setup.h.client.send(
            .get, "http://127.0.0.1:\(setup.simulatorPort)/interview/api/v1/key?hostName=Default")
        #expect(issued.status == 201)
        let imported = try await setup.h.client.send(
            .post, setup.h.adminURL("/admin/v1/connections/kf/keyfax/import"),
            headers: setup.admin.merging(["Content-Type": "application/json"]) { $1 },
            body: JSON.serializeBytes([
                "apiKey": issued.json["apiKey"] ?? .null, "signingKey": issued.json["signingKey"] ?? .null,
            ]))
        #expect(imported.status == 200, "\(imported.text)")
        #expect(try await setup.operation("startup.example").status == 200)
        let deleted = try await setup.h.client.send(
            .post, setup.h.adminURL("/admin/v1/connections/kf/keyfax/delete"), headers: setup.admin)
        #expect(deleted.status == 200, "\(deleted.text)")
        #expect(deleted.json["data"]?["upstream_status"] == 304)
        #expect(deleted.json["data"]?["message"]?.stringValue?.contains("no keys for host Branch7") == true)
        #expect(setup.state.currentKeys(host: "Default") != nil, "the Default host's keys are untouched upstream")
        #expect(try await setup.operation("startup.example").status != 200, "the vault no longer holds keys")
        await setup.finish()

        // POST /api/v1/key answers 500 when Keyfax cannot deliver the new keys to the web hook.
        let dev = try await Setup.start(auth: "basic")
        dev.state.setWebHook(nil, for: "Dev")
        let keys = try #require(dev.state.currentKeys(host: "Dev"))
        let rotated = try await dev.h.client.send(
            .post, dev.h.adminURL("/admin/v1/connections/kf/keyfax/rotate"), headers: dev.admin)
        #expect(rotated.status == 502, "\(rotated.text)")
        #expect(rotated.errorCode == "upstream_error")
        #expect(rotated.json["error"]?["upstream_status"] == 500)
        #expect(rotated.json["error"]?["message"]?.stringValue?.contains("web hook") == true)
        #expect(dev.state.currentKeys(host: "Dev") == keys)
        #expect(try await dev.operation("startup.example").status == 200, "the old keys still sign")
        await dev.finish()
    }

    @Test func everySigningKnobIsMatchedByAServerThatUsesIt() async throws {
        let knobs = [
            "signature_fields: [body, nonce, timestamp, url, method, identity]", "identity: host_name", "hash: sha512",
            "body_digest: none",
            "url_case: as_sent", "url_encoding: none", "url_form: path_and_query", "signing_key: text",
        ]
        var recipe = KeyfaxSimulator.Configuration.Signing()
        recipe.fields = ["body", "nonce", "timestamp", "url", "method", "identity"]
        recipe.identity = "host_name"
        recipe.hash = "sha512"
        recipe.bodyDigest = "none"
        recipe.urlCase = "as_sent"
        recipe.urlEncoding = "none"
        recipe.urlForm = "path_and_query"
        recipe.signingKey = "text"
        var simulator = KeyfaxSimulator.Configuration(hosts: ["Dev": nil])
        simulator.signing = recipe
        let setup = try await Setup.start(auth: "basic", options: knobs, simulator: simulator)
        #expect(try await setup.operation("startup.example").status == 200)
        let launch = try await setup.operation("startup", #"{"mode":{"value":"ROL Repair"}}"#)
        #expect(launch.status == 200, "\(launch.text)")
        #expect(try await setup.simulator("stats").json["rejections"] == [])
        await setup.finish()

        // Each knob matters: a server with the default recipe refuses every one of them.
        for knob in knobs {
            let mismatched = try await Setup.start(auth: "basic", options: [knob])
            let answer = try await mismatched.operation("startup", #"{"mode":{"value":"ROL"}}"#)
            #expect(answer.status == 502, "\(knob): \(answer.text)")
            #expect(answer.json["error"]?["upstream_status"] == 401, "\(knob)")
            await mismatched.finish()
        }
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
