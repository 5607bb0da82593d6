import GatehouseCheckfrontSimulator
import GatehouseCore
import GatehouseCurl
import GatehouseSQLite
import GatehouseTestSupport
import Logging
import Synchronization
import Testing

@testable import GatehouseCheckfront

/// One clock for the adapter, the vault and the simulator, moved only by the test.
final class TestTime: Sendable {
    private let seconds = Mutex(Timestamp.now().seconds)

    var now: Timestamp { Timestamp(seconds: self.seconds.withLock { $0 }) }

    func advance(seconds: Int64) { self.seconds.withLock { $0 += seconds } }
}

/// The Checkfront simulator in this process, a real vault and real transport, and Checkfront
/// OAuth2 connections on them, all on one ``TestTime`` so token lifetimes pass without waiting.
final class CheckfrontOAuthRig: Sendable {
    static let clientID = "DEMO-ONLY-checkfront-consumer-key"

    let time: TestTime
    let clientSecret: String
    let state: CheckfrontSimulatorState
    let baseURL: String
    let vault: Vault
    let browser = TestClient()
    let logger: Logger = {
        var logger = Logger(label: "test.checkfront.adapter")
        logger.logLevel = .critical
        return logger
    }()
    private let transport: CurlTransport
    private let server: SimulatorFixture<CheckfrontSimulator>

    private init(
        time: TestTime, clientSecret: String, state: CheckfrontSimulatorState, baseURL: String, vault: Vault,
        transport: CurlTransport, server: SimulatorFixture<CheckfrontSimulator>
    ) {
        self.time = time
        self.clientSecret = clientSecret
        self.state = state
        self.baseURL = baseURL
        self.vault = vault
        self.transport = transport
        self.server = server
    }

    /// Starts the simulator (knowing `clientSecret`) and opens a fresh vault.
    static func start(clientSecret: String = "DEMO-ONLY-checkfront-consumer-secret") async throws -> CheckfrontOAuthRig
    {
        let time = TestTime()
        let state = CheckfrontSimulatorState(clientID: Self.clientID, clientSecret: clientSecret, now: { time.now })
        var logger = Logger(label: "test.checkfront")
        logger.logLevel = .critical
        let server = try await SimulatorFixture.start(CheckfrontSimulator(state: state))
        let port = server.port
        let directory = try TemporaryDirectory.make()
        let vault = try await Vault.initialize(
            store: try SQLiteCredentialStore(path: directory + "/vault.db", create: true),
            masterKey: .generate(),
            by: VaultActor(name: "tester", source: .cli),
            now: { time.now }
        )
        return CheckfrontOAuthRig(
            time: time, clientSecret: clientSecret, state: state, baseURL: "http://127.0.0.1:\(port)", vault: vault,
            transport: CurlTransport(logger: logger), server: server)
    }

    /// An OAuth2 connection `name` with extra `options` (YAML flow entries), its health beside it.
    func connection(_ name: String = "cf", options: String = "", clientSecret: String? = nil) throws -> (
        CheckfrontAdapter, ConnectionHealth
    ) {
        let yaml = """
            connections:
              \(name):
                adapter: checkfront
                base_url: \(self.baseURL)
                credentials: { client_id: env:CF_ID, client_secret: env:CF_SECRET }
                options: { auth: oauth2, redirect_uri: \
            "http://127.0.0.1:1/oauth/\(name)/callback"\(options.isEmpty ? "" : ", " + options) }
            """
        let configuration = try GatewayConfiguration.load(text: yaml, file: "test.yaml", adapterKinds: ["checkfront"])
        let connection = try #require(configuration.connections.first)
        let secrets = EnvironmentSecretSource(environment: [
            "CF_ID": Self.clientID, "CF_SECRET": clientSecret ?? self.clientSecret,
        ])
        let client = UpstreamClient(
            connection: name, baseURL: connection.baseURL, transport: self.transport, options: connection.transport,
            followRedirects: false, maxResponseBytes: connection.maxResponseBytes)
        let health = ConnectionHealth()
        let setup = AdapterSetup(
            connection: connection, client: client,
            credentials: Credentials(
                connection: name,
                references: Dictionary(uniqueKeysWithValues: connection.credentials.map { ($0.name, $0.reference) }),
                source: secrets),
            logger: self.logger, vault: self.vault, health: health)
        let time = self.time
        return (try CheckfrontAdapter(setup: setup, now: { time.now }), health)
    }

    /// `start` → the simulator's authorize page, approved → the callback query the browser brings back.
    func approve(_ adapter: CheckfrontAdapter) async throws -> [(name: String, value: String)] {
        let start = try await adapter.endpoint(EndpointRequest(name: "start", query: []))
        let authorize = try #require(start.location)
        let approved = try await self.browser.send(.get, authorize + "&approve=yes")
        #expect(approved.status == 302)
        let back = try #require(approved.headers[.location])
        return EndpointRequest.decode(query: String(back.split(separator: "?", maxSplits: 1)[1]))
    }

    /// The whole authorization: approve, then the callback.
    func authorize(_ adapter: CheckfrontAdapter) async throws {
        let page = try await adapter.endpoint(EndpointRequest(name: "callback", query: try await self.approve(adapter)))
        #expect(page.status == 200)
    }

    /// `item.get` 1 through the adapter: the item's name.
    func itemName(_ adapter: CheckfrontAdapter) async throws -> String? {
        try await adapter.perform(OperationCall(name: "item.get", arguments: ["id": 1])).data["name"]?.stringValue
    }

    func stop() {
        self.server.stop()
        self.browser.shutdown()
        self.transport.shutdown()
    }
}
