import GatehouseCore
import GatehouseSimulation
import Hummingbird

/// A K2 API on loopback (`gatehouse simulate k2`, default port 9102, base path `/restservice`),
/// for tests and the demo.
///
/// It verifies every request's signature exactly as seed 003 describes (header mode and
/// `x-auth`), serves in-memory data classes (`Part` with 300 records; `Order` with a two-part
/// key and `Items` children) through Data, Meta and Formation in JSON and `/xml/` modes, pages
/// with `pageState` URLs, checks `TimeStamp` on updates, answers errors as `[ErrorKind]Text`,
/// and refuses requests beyond its licensed thread count. The shared `/_sim/stats` reports what
/// it saw (signatures, in-flight peak), `/_sim/mode` switches failure modes, `/_sim/reset`
/// forgets both.
public struct K2Simulator: Simulator {
    /// Registration for the executable's simulator list.
    public static let kind = SimulatorKind(K2Simulator.self, configurable: true) { file, _ in
        let configuration =
            try file.map { file throws(ConfigError) in try Configuration(text: file.text, file: file.path) }
            ?? Configuration()
        return K2Simulator(state: K2SimulatorState(configuration))
    }

    public static let name = "k2"
    public static let defaultPort = 9102
    public static let summary =
        "K2 API: /restservice/{xml/}Data|Meta|Formation, signed requests; control routes under /_sim/"
    public static let serverName = "Microsoft-IIS/10.0"

    /// Data, mode and statistics; tests may read and change it while it runs.
    public let state: K2SimulatorState

    /// Creates the simulator over `state`.
    public init(state: K2SimulatorState) {
        self.state = state
    }

    public func respond(to request: Request, context: SimulatorContext) async throws -> Response {
        try await K2Routes.respond(to: request, state: self.state)
    }
}
