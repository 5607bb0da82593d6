import GatehouseCore
import GatehouseCurl
import GatehouseSimulation
import Hummingbird
import Logging

/// The Keyfax Web API on loopback (`gatehouse simulate keyfax`), for tests and the demo.
///
/// Host names come from its configuration (like kfServerConfig.xml's `WebApi/KeyGen`): initial
/// keys once per host (`GET /api/v1/key`), key reset with delivery to the host's web hook where
/// the old keys stay valid until the new ones are first used, delete, JWT issue and renewal,
/// start-up and results with sessions that `/_sim/sessions/{guid}/{launch|complete|cancel}`
/// moves on, JSON and XML bodies, replay and clock-skew rejection with 401 bodies saying why.
/// The shared `/_sim/clock` moves its clock, `/_sim/stats` counts what tests assert on,
/// `/_sim/reset` zeroes the counters; its own `/_sim/webhook` points a host's key delivery.
public struct KeyfaxSimulator: Simulator {
    /// Registration for the executable's simulator list.
    public static let kind = SimulatorKind(KeyfaxSimulator.self, configurable: true) { file, logger in
        let configuration =
            try file.map { file throws(ConfigError) in try Configuration(text: file.text, file: file.path) }
            ?? Configuration.demo
        return KeyfaxSimulator(state: KeyfaxSimulatorState(configuration), logger: logger)
    }

    public static let name = "keyfax"
    public static let defaultPort = 9101
    public static let summary =
        "Keyfax Web API: /interview/api/v1/{key,token,startup,results}, control routes under /_sim/"

    /// Keys, sessions and counters; tests may read and change it while it runs.
    public let state: KeyfaxSimulatorState
    /// Delivers rotated keys to the hosts' web hooks.
    private let transport: CurlTransport
    private let routes: KeyfaxRoutes

    /// Creates the simulator over `state`; `logger` is for its web hook deliveries.
    public init(state: KeyfaxSimulatorState, logger: Logger) {
        self.state = state
        self.transport = CurlTransport(logger: logger)
        self.routes = KeyfaxRoutes(state: state, webHook: KeyfaxWebHook(transport: self.transport, logger: logger))
    }

    public func respond(to request: Request, context: SimulatorContext) async throws -> Response {
        try await self.routes.respond(to: request)
    }

    public func control(_ route: String, request: Request, body: Value) async throws -> Response? {
        self.routes.control(route, method: request.method, body: body)
    }

    public func shutdown() {
        self.transport.shutdown()
    }
}
