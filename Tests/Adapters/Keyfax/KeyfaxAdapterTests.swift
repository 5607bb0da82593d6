import GatehouseCore
import GatehouseCrypto
import GatehouseCurl
import GatehouseKeyfax
import GatehouseKeyfaxSimulator
import GatehouseSQLite
import GatehouseTestSupport
import Logging
import Synchronization
import Testing

/// The adapter in-process (so its clock can be injected) against the real simulator, with a
/// real vault and the real curl transport.
@Suite(.timeLimit(.minutes(2))) struct KeyfaxAdapterTests {
    final class Clock: Sendable {
        let offset = Mutex<Int64>(0)
        var now: Timestamp { Timestamp.now().adding(seconds: self.offset.withLock { $0 }) }
    }

    struct Setup {
        let adapter: KeyfaxAdapter
        let vault: Vault
        let simulator: KeyfaxSimulatorState
        let simulatorPort: Int
        let clock: Clock
        let fixture: SimulatorFixture<KeyfaxSimulator>
        let transport: CurlTransport
        let client = TestClient()

        func stats() async throws -> Value {
            try await self.client.send(.get, "http://127.0.0.1:\(self.simulatorPort)/_sim/stats").json
        }

        func stop() {
            self.fixture.stop()
            self.transport.shutdown()
            self.client.shutdown()
        }
    }

    static func start(auth: String = "basic", margin: Int = 3600) async throws -> Setup {
        let state = KeyfaxSimulatorState(.init(hosts: ["Dev": nil]))
        var logger = Logger(label: "test.keyfax")
        logger.logLevel = .error
        let fixture = try await SimulatorFixture.start(KeyfaxSimulator(state: state, logger: logger))
        let port = fixture.port

        let directory = try TemporaryDirectory.make()
        let vault = try await Vault.initialize(
            store: try SQLiteCredentialStore(path: directory + "/vault.db", create: true),
            masterKey: MasterKey.generate(),
            by: VaultActor(name: "test", source: .cli)
        )
        try await vault.put(
            "kf/hook_secret", Secret("the-hook-secret-of-at-least-32-bytes"), by: VaultActor(name: "test", source: .cli)
        )
        let config = try GatewayConfiguration.load(
            text: """
                connections:
                  kf:
                    adapter: keyfax
                    base_url: http://127.0.0.1:\(port)/interview
                    credentials: { hook_secret: vault:kf/hook_secret }
                    options: { host_name: Dev, auth: \(auth), renew_margin_seconds: \(margin) }
                """,
            file: "test.yaml",
            adapterKinds: ["keyfax"]
        )
        let connection = config.connections[0]
        let transport = CurlTransport(logger: logger)
        let client = UpstreamClient(
            connection: "kf",
            baseURL: connection.baseURL,
            transport: transport,
            options: connection.transport,
            followRedirects: false,
            maxResponseBytes: connection.maxResponseBytes
        )
        let clock = Clock()
        let setup = AdapterSetup(
            connection: connection,
            client: client,
            credentials: Credentials(
                connection: "kf", references: ["hook_secret": .vault("kf/hook_secret")], source: vault),
            logger: logger,
            vault: vault
        )
        let adapter = try KeyfaxAdapter(setup: setup, now: { clock.now })
        _ = try await adapter.adminAction("keyfax/bootstrap", arguments: .object([:]))
        return Setup(
            adapter: adapter, vault: vault, simulator: state, simulatorPort: port, clock: clock, fixture: fixture,
            transport: transport)
    }

    static let startupData: Value = ["mode": ["value": "ROL"], "company": ["value": "OL3_Dev"]]

    @Test func anExpiringJWTIsRenewedOnceForFiftyConcurrentCallers() async throws {
        let setup = try await Self.start(auth: "bearer", margin: 600)
        defer { setup.stop() }
        // The first call obtains a token with GET /token (Basic).
        let first = try await setup.adapter.perform(OperationCall(name: "startup", arguments: Self.startupData))
        #expect(first.data["guid"] != nil)
        #expect(try await setup.stats()["tokens_issued"] == 1)
        // 23 h 55 min later the token is inside the 10-minute margin: 50 callers, one renewal.
        setup.clock.offset.withLock { $0 = 23 * 3600 + 55 * 60 }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    let answer = try await setup.adapter.perform(
                        OperationCall(name: "startup.example", arguments: .object([:])))
                    #expect(answer.upstreamStatus == 200)
                }
            }
            try await group.waitForAll()
        }
        let stats = try await setup.stats()
        #expect(stats["tokens_renewed"] == 1, "\(stats)")
        #expect(stats["tokens_issued"] == 1)
        #expect(stats["nonce_reuses"] == 0)
        let stored = try #require(try setup.vault.entry("kf/jwt"))
        #expect(stored.metadata.version == 2)
        #expect(stored.metadata.source == .adapter)
    }

    /// The core's request authorizer on Keyfax's Bearer scheme: a JWT believed fresh that Keyfax
    /// refuses (401) is replaced once (GET /token with the keys, since the refused one cannot be
    /// renewed) and the call retried once; the caller sees only the 200.
    @Test func aRefusedJWTIsReplacedOnceAndTheCallRetriedOnce() async throws {
        let setup = try await Self.start(auth: "bearer")
        defer { setup.stop() }
        try await setup.vault.put(
            "kf/jwt", Secret("not.a-keyfax.jwt"), expiresAt: Timestamp.now().adding(seconds: 20 * 3600),
            by: VaultActor(name: "test", source: .cli))
        let answer = try await setup.adapter.perform(OperationCall(name: "startup.example", arguments: .object([:])))
        #expect(answer.upstreamStatus == 200)
        var stats = try await setup.stats()
        #expect(stats["tokens_issued"] == 1, "\(stats)")
        #expect(stats["tokens_renewed"] == 0)
        let stored = try #require(try setup.vault.entry("kf/jwt"))
        #expect(stored.secret != Secret("not.a-keyfax.jwt"))
        #expect(stored.metadata.source == .adapter)
        // The new JWT serves the next call without another token call.
        #expect(
            try await setup.adapter.perform(OperationCall(name: "startup.example", arguments: .object([:])))
                .upstreamStatus == 200)
        stats = try await setup.stats()
        #expect(stats["tokens_issued"] == 1)
    }

    @Test func aGatewayClockRunningAheadIsCorrectedFromTheUpstreamsDate() async throws {
        let setup = try await Self.start()
        defer { setup.stop() }
        setup.clock.offset.withLock { $0 = 90 }
        for _ in 0..<5 {
            let answer = try await setup.adapter.perform(
                OperationCall(name: "startup.example", arguments: .object([:])))
            #expect(answer.upstreamStatus == 200)
        }
        // At most the first request was refused (and retried with the learned skew).
        let rejections = try await setup.stats()["rejections"]?.arrayValue ?? []
        #expect(rejections.count <= 1, "\(rejections)")
    }

    @Test func everyBadHookInputIsRefusedAndNothingIsStored() async throws {
        let setup = try await Self.start()
        defer { setup.stop() }
        let before = try await setup.vault.list()
        let apiKey = try #require(try setup.vault.entry("kf/api_key")?.secret.reveal())
        let good =
            #"""
            {"apiKey":"11111111-2222-3333-4444-555555555555","signingKey":"\#
            \#(Base64.encode(SecureRandom.bytes(64)))","schemaName":"Basic","hostName":"Dev"}
            """#
        func hook(_ name: String, _ body: String) async -> GatewayError? {
            do {
                _ = try await setup.adapter.hook(EndpointRequest(name: name, query: [], body: Array(body.utf8)))
                return nil
            } catch {
                return error as? GatewayError
            }
        }
        #expect(await hook("keyfax-keys/wrong-secret", good)?.code == .unauthenticated)
        #expect(await hook("keyfax-keys", good)?.code == .unauthenticated)
        #expect(await hook("keyfax-keys/the-hook-secret-of-at-least-32-bytes", "not json")?.code == .badRequest)
        #expect(
            await hook(
                "keyfax-keys/the-hook-secret-of-at-least-32-bytes",
                #"{"apiKey":"a","signingKey":"not base64!","hostName":"Dev"}"#)?.code == .badRequest)
        #expect(
            await hook(
                "keyfax-keys/the-hook-secret-of-at-least-32-bytes",
                good.replacingOccurrences(of: "\"Dev\"", with: "\"Other\""))?.code == .forbidden)
        // A well-formed pair nobody asked for: no rotation is pending.
        #expect(await hook("keyfax-keys/the-hook-secret-of-at-least-32-bytes", good)?.code == .conflict)
        #expect(await hook("other-hook/the-hook-secret-of-at-least-32-bytes", good)?.code == .notFound)
        let after = try await setup.vault.list()
        #expect(after == before)
        #expect(try setup.vault.entry("kf/api_key")?.secret.reveal() == apiKey)
    }

    @Test func deleteRemovesKeysUpstreamAndInTheVaultAndImportRestoresThem() async throws {
        let setup = try await Self.start()
        defer { setup.stop() }
        let keys = try #require(setup.simulator.currentKeys(host: "Dev"))
        _ = try await setup.adapter.perform(OperationCall(name: "startup.example", arguments: .object([:])))
        let deleted = try await setup.adapter.adminAction("keyfax/delete", arguments: .object([:]))
        #expect(deleted["deleted"] == true)
        #expect(setup.simulator.currentKeys(host: "Dev") == nil)
        #expect(try setup.vault.entry("kf/api_key") == nil)
        #expect(try setup.vault.entry("kf/signing_key") == nil)
        await #expect {
            try await setup.adapter.perform(OperationCall(name: "startup.example", arguments: .object([:])))
        } throws: { error in
            (error as? GatewayError)?.code == .unavailable
                && (error as? GatewayError)?.message.contains("keyfax bootstrap") == true
        }
        // Bad imports are refused, nothing stored; the emailed pair is stored atomically.
        await #expect(throws: GatewayError.self) {
            try await setup.adapter.adminAction("keyfax/import", arguments: ["apiKey": "k"])
        }
        await #expect(throws: GatewayError.self) {
            try await setup.adapter.adminAction(
                "keyfax/import", arguments: ["apiKey": "k", "signingKey": "not base64!"])
        }
        #expect(try setup.vault.entry("kf/api_key") == nil)
        // Keyfax issues new keys after the delete; an operator imports them as if emailed.
        let fresh = try await setup.client.send(
            .get, "http://127.0.0.1:\(setup.simulatorPort)/interview/api/v1/key?hostName=Dev")
        let apiKey = try #require(fresh.json["apiKey"]?.stringValue)
        #expect(apiKey != keys.apiKey)
        _ = try await setup.adapter.adminAction(
            "keyfax/import", arguments: ["apiKey": .string(apiKey), "signingKey": fresh.json["signingKey"] ?? .null])
        #expect(try setup.vault.entry("kf/api_key")?.metadata.source == .admin)
        let answer = try await setup.adapter.perform(OperationCall(name: "startup.example", arguments: .object([:])))
        #expect(answer.upstreamStatus == 200)
    }

    @Test func aSecondBootstrapIsExplained() async throws {
        let setup = try await Self.start()
        defer { setup.stop() }
        await #expect {
            try await setup.adapter.adminAction("keyfax/bootstrap", arguments: .object([:]))
        } throws: { error in
            let error = error as? GatewayError
            return error?.code == .conflict && error?.message.contains("keys already exist") == true
        }
    }
}
