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
/// `/_sim/clock` moves its clock; `/_sim/stats` counts what tests assert on.
public struct KeyfaxSimulator: Sendable {
    /// Registration for the executable's simulator list.
    public static let kind = SimulatorKind(
        name: "keyfax",
        defaultPort: 9101,
        summary: "Keyfax Web API: /interview/api/v1/{key,token,startup,results}, control routes under /_sim/",
        configurable: { launch, ready in
            let configuration =
                try launch.configuration.map { file throws(ConfigError) in
                    try Configuration(text: file.text, file: file.path)
                } ?? Configuration.demo
            try await KeyfaxSimulator(host: launch.host, port: launch.port, logger: launch.logger, state: KeyfaxSimulatorState(configuration))
                .run(onReady: ready)
        }
    )

    /// Keys, sessions and counters; tests may read and change it while it runs.
    public let state: KeyfaxSimulatorState
    let host: String
    let port: Int
    let logger: Logger

    /// Creates the simulator; `port` 0 picks a free one (reported through `onReady`).
    public init(host: String = "127.0.0.1", port: Int = 0, logger: Logger, state: KeyfaxSimulatorState) {
        self.host = host
        self.port = port
        self.logger = logger
        self.state = state
    }

    /// Serves until the task is cancelled.
    public func run(onReady: @escaping @Sendable (Int) -> Void) async throws {
        let transport = CurlTransport(logger: self.logger)
        defer { transport.shutdown() }
        let routes = KeyfaxRoutes(state: self.state, webHook: KeyfaxWebHook(transport: transport, logger: self.logger))
        try await LoopbackServer.run(host: self.host, port: self.port, serverName: "keyfax-simulator", logger: self.logger, onReady: onReady) {
            request in try await routes.respond(to: request)
        }
    }
}
