import GatehouseCore
import GatehouseCrypto
import GatehouseKeyfax
import GatehouseKeyfaxSimulator
import GatehouseTestSupport
import HTTPTypes
import Logging
import Testing

/// The simulator checked against the adapter's signer (two independent implementations of the
/// recipe) over real HTTP on loopback.
@Suite(.timeLimit(.minutes(2))) struct KeyfaxSimulatorTests {
    struct Running {
        let state: KeyfaxSimulatorState
        let port: Int
        let fixture: SimulatorFixture<KeyfaxSimulator>
        let client = TestClient()
        var base: String { "http://127.0.0.1:\(self.port)/interview/api/v1" }

        static func start(webHook: String? = nil) async throws -> Running {
            let state = KeyfaxSimulatorState(.init(hosts: ["Dev": webHook, "Other": nil]))
            var logger = Logger(label: "test.keyfax")
            logger.logLevel = .error
            let fixture = try await SimulatorFixture.start(KeyfaxSimulator(state: state, logger: logger))
            let port = fixture.port
            return Running(state: state, port: port, fixture: fixture)
        }

        func stop() {
            self.fixture.stop()
            self.client.shutdown()
        }

        func bootstrap(_ host: String = "Dev") async throws -> KeyfaxSigner.Keys {
            let answer = try await self.client.send(.get, self.base + "/key?hostName=\(host)")
            #expect(answer.status == 201)
            return KeyfaxSigner.Keys(
                apiKey: try #require(answer.json["apiKey"]?.stringValue),
                signingKey: Secret(try #require(answer.json["signingKey"]?.stringValue))
            )
        }

        func signed(
            _ method: HTTPRequest.Method,
            _ path: String,
            keys: KeyfaxSigner.Keys,
            body: String = "",
            headers: [String: String] = [:],
            timestamp: Int64? = nil,
            nonce: String = KeyfaxSigner.newNonce()
        ) async throws -> TestClient.Answer {
            let url = self.base + path
            let authorization = try KeyfaxSigner().authorization(
                method: method.rawValue,
                url: url,
                body: Array(body.utf8),
                hostName: "Dev",
                keys: keys,
                timestamp: timestamp ?? (Timestamp.now().seconds - 1),
                nonce: nonce
            )
            var all = headers
            all["Authorization"] = authorization
            if !body.isEmpty, all["Content-Type"] == nil { all["Content-Type"] = "application/json" }
            return try await self.client.send(method, url, headers: all, body: body.isEmpty ? nil : Array(body.utf8))
        }
    }

    @Test func initialKeysAreIssuedOncePerConfiguredHost() async throws {
        let sim = try await Running.start()
        defer { sim.stop() }
        let keys = try await sim.bootstrap()
        #expect(Base64.decode(keys.signingKey.reveal())?.count == 64)
        let again = try await sim.client.send(.get, sim.base + "/key?hostName=Dev")
        #expect(again.status == 400)
        #expect(try await sim.client.send(.get, sim.base + "/key?hostName=Nobody").status == 400)
    }

    @Test func basicSignaturesFromTheAdapterSignerAreAcceptedAndBadOnesSayWhy() async throws {
        let sim = try await Running.start()
        defer { sim.stop() }
        let keys = try await sim.bootstrap()
        let token = try await sim.signed(.get, "/token", keys: keys)
        #expect(token.status == 200, "\(token.text)")
        #expect(KeyfaxJWT.expiry(of: token.json["token"]?.stringValue ?? "") != nil)
        let startup = try await sim.signed(
            .post, "/startup", keys: keys, body: #"{"mode":{"value":"ROL"},"company":{"value":"OL3_Dev"}}"#)
        #expect(startup.status == 200, "\(startup.text)")

        let nonce = KeyfaxSigner.newNonce()
        #expect(try await sim.signed(.get, "/startup", keys: keys, nonce: nonce).status == 200)
        let replay = try await sim.signed(.get, "/startup", keys: keys, nonce: nonce)
        #expect(replay.status == 401)
        #expect(replay.json["message"]?.stringValue?.contains("replay") == true)
        let future = try await sim.signed(.get, "/startup", keys: keys, timestamp: Timestamp.now().seconds + 30)
        #expect(future.json["message"]?.stringValue?.contains("future") == true)
        let old = try await sim.signed(.get, "/startup", keys: keys, timestamp: Timestamp.now().seconds - 400)
        #expect(old.json["message"]?.stringValue?.contains("too old") == true)
        let wrongKey = KeyfaxSigner.Keys(apiKey: keys.apiKey, signingKey: Secret(Base64.encode(SecureRandom.bytes(64))))
        let forged = try await sim.signed(.get, "/startup", keys: wrongKey)
        #expect(forged.status == 401)
        #expect(forged.json["message"] == "The request signature is not valid")
        let fourFields = try await sim.client.send(
            .get, sim.base + "/startup", headers: ["Authorization": "Basic Dev:a:b:c"])
        #expect(fourFields.json["message"]?.stringValue?.contains("five fields") == true)
        let bearerOnBasicOnly = try await sim.client.send(
            .get, sim.base + "/token", headers: ["Authorization": "Bearer Dev:x.y.z"])
        #expect(bearerOnBasicOnly.status == 401)
    }

    @Test func jwtsAreRenewedWithBearerAndDieWithTheirKeys() async throws {
        let hook = try await EchoFixture.start()
        let sim = try await Running.start(webHook: hook.baseURL + "/hook")
        defer {
            sim.stop()
            hook.stop()
        }
        let keys = try await sim.bootstrap()
        let jwt = try #require(try await sim.signed(.get, "/token", keys: keys).json["token"]?.stringValue)
        let renewed = try await sim.client.send(
            .post, sim.base + "/token", headers: ["Authorization": "Bearer Dev:\(jwt)"])
        #expect(renewed.status == 200)
        let bearerStartup = try await sim.client.send(
            .get, sim.base + "/startup", headers: ["Authorization": "Bearer Dev:\(jwt)"])
        #expect(bearerStartup.status == 200)

        // Rotation: the new pair goes to the web hook; old keys work until the new ones are used.
        let rotated = try await sim.signed(.post, "/key", keys: keys)
        #expect(rotated.status == 201)
        let delivered = try #require(hook.recorder.all.last)
        #expect(delivered.path == "/hook")
        let pair = try JSON.parse(delivered.body ?? [])
        #expect(pair["apiKey"] == rotated.json["apiKey"])
        #expect(pair["hostName"] == "Dev")
        #expect(pair["schemaName"] == "Basic")
        let newKeys = KeyfaxSigner.Keys(
            apiKey: try #require(pair["apiKey"]?.stringValue),
            signingKey: Secret(try #require(pair["signingKey"]?.stringValue)))
        #expect(try await sim.signed(.get, "/startup", keys: keys).status == 200)
        #expect(try await sim.signed(.get, "/startup", keys: newKeys).status == 200)
        let retired = try await sim.signed(.get, "/startup", keys: keys)
        #expect(retired.status == 401)
        // JWTs signed with the old key die with it.
        let deadJWT = try await sim.client.send(
            .get, sim.base + "/startup", headers: ["Authorization": "Bearer Dev:\(jwt)"])
        #expect(deadJWT.status == 401)
        #expect(sim.state.currentKeys(host: "Dev")?.apiKey == newKeys.apiKey)
    }

    @Test func aRotationWithoutAReachableWebHookIs500AndKeepsTheKeys() async throws {
        let sim = try await Running.start(webHook: "http://127.0.0.1:1/hook")
        defer { sim.stop() }
        let keys = try await sim.bootstrap()
        let rotated = try await sim.signed(.post, "/key", keys: keys)
        #expect(rotated.status == 500)
        #expect(try await sim.signed(.get, "/startup", keys: keys).status == 200)
    }

    @Test func startupAndResultsFollowTheSession() async throws {
        let sim = try await Running.start()
        defer { sim.stop() }
        let keys = try await sim.bootstrap()
        let launch = try await sim.signed(
            .post, "/startup", keys: keys, body: #"{"mode":{"value":"ROL"},"company":{"value":"OL3_Dev"}}"#)
        let guid = try #require(launch.json["guid"]?.stringValue)
        #expect(launch.json["company"] == "OL3_Dev")
        let launchURL = try #require(launch.json["launchUrl"]?.stringValue)
        let request = #"{"company":"OL3_Dev","guid":"\#(guid)"}"#
        #expect(try await sim.signed(.post, "/results", keys: keys, body: request).status == 422)
        #expect(try await sim.client.send(.get, launchURL).status == 200)
        #expect(try await sim.signed(.post, "/results", keys: keys, body: request).status == 202)
        #expect(
            try await sim.client.send(.post, "http://127.0.0.1:\(sim.port)/_sim/sessions/\(guid)/complete").status
                == 200)
        let results = try await sim.signed(.post, "/results", keys: keys, body: request)
        #expect(results.status == 200)
        #expect(results.json["KeyfaxData"]?["GUID"]?.stringValue == guid)
        #expect(results.json["KeyfaxData"]?["Status"] == "1")
        let xml = try await sim.signed(
            .post, "/results", keys: keys, body: request, headers: ["Accept": "application/xml"])
        #expect(xml.text.hasPrefix("<KeyfaxData>"))

        // XML start-up data, and the startUpXml field of seed 001.
        let fromXML = try await sim.signed(
            .post,
            "/startup",
            keys: keys,
            body: "<KeyfaxData><Mode>ROL</Mode><Company>OL3_Test</Company></KeyfaxData>",
            headers: ["Content-Type": "application/xml"]
        )
        #expect(fromXML.json["company"] == "OL3_Test")
        let wrapped = try await sim.signed(
            .post, "/startup", keys: keys, body: #"{"startUpXml":"<KeyfaxData><Mode>ROL</Mode></KeyfaxData>"}"#)
        #expect(wrapped.status == 200)
        let invalid = try await sim.signed(.post, "/startup", keys: keys, body: "[1,2]")
        #expect(invalid.status == 500)
        #expect((try await sim.client.send(.get, "http://127.0.0.1:\(sim.port)/_sim/stats")).json["nonce_reuses"] == 0)
    }
}
