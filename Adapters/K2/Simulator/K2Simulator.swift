import GatehouseCore
import GatehouseSimulation
import Hummingbird
import Logging

/// A K2 API on loopback (`gatehouse simulate k2`, default port 9102, base path `/restservice`),
/// for tests and the demo.
///
/// It verifies every request's signature exactly as seed 003 describes (header mode and
/// `x-auth`), serves in-memory data classes (`Part` with 300 records; `Order` with a two-part
/// key and `Items` children) through Data, Meta and Formation in JSON and `/xml/` modes, pages
/// with `pageState` URLs, checks `TimeStamp` on updates, answers errors as `[ErrorKind]Text`,
/// and refuses requests beyond its licensed thread count. Test-only routes under `/_sim/`
/// report what it saw (signatures, in-flight peak) and switch failure modes.
public struct K2Simulator: Sendable {
    /// Registration for the executable's simulator list.
    public static let kind = SimulatorKind(
        name: "k2",
        defaultPort: 9102,
        summary: "K2 API: /restservice/{xml/}Data|Meta|Formation, signed requests; control routes under /_sim/",
        configurable: { launch, ready in
            let configuration =
                try launch.configuration.map { file throws(ConfigError) in
                    try Configuration(text: file.text, file: file.path)
                } ?? Configuration()
            let simulator = K2Simulator(host: launch.host, port: launch.port, logger: launch.logger, state: K2SimulatorState(configuration))
            try await simulator.run(onReady: ready)
        }
    )

    /// Data, mode and statistics; tests may read and change it while it runs.
    public let state: K2SimulatorState
    let host: String
    let port: Int
    let logger: Logger

    /// Creates the simulator; `port` 0 picks a free one (reported through `onReady`).
    public init(host: String = "127.0.0.1", port: Int = 0, logger: Logger, state: K2SimulatorState) {
        self.host = host
        self.port = port
        self.logger = logger
        self.state = state
    }

    /// Serves until the task is cancelled.
    public func run(onReady: @escaping @Sendable (Int) -> Void) async throws {
        let state = self.state
        try await LoopbackServer.run(host: self.host, port: self.port, serverName: "Microsoft-IIS/10.0", logger: self.logger, onReady: onReady) { request in
            try await K2Routes.respond(to: request, state: state)
        }
    }
}
