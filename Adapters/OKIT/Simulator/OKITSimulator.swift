import GatehouseCore
import GatehouseSimulation
import Hummingbird
import Logging

/// The OKIT Operator's token validator on loopback (`gatehouse simulate okit`), for tests and
/// the demo.
///
/// `GET /OKIT.Operator.Api/api/tokenvalidator?token=..&applicaiontPrefix=..&clientPrefix=..`
/// answers `{"valid": bool, "message": "Token is valid" | "Token is not valid"}` exactly as the
/// seed documents it, misspelt parameter included. Applications, clients and tokens come from
/// its configuration (``Configuration``, `--config FILE`, or the built-in demo data). Control
/// routes: the shared `/_sim/stats`, `/_sim/reset` and `/_sim/mode` (latency and failure modes,
/// ``Mode``), and its own `POST /_sim/tokens` (issue) and `POST /_sim/revoke`.
public struct OKITSimulator: Simulator {
    /// Registration for the executable's simulator list.
    public static let kind = SimulatorKind(OKITSimulator.self, configurable: true) { file, _ in
        let configuration =
            try file.map { file throws(ConfigError) in try Configuration(text: file.text, file: file.path) }
            ?? Configuration.demo
        return OKITSimulator(state: OKITSimulatorState(configuration))
    }

    public static let name = "okit"
    public static let defaultPort = 9104
    public static let summary =
        "OKIT token validator: /OKIT.Operator.Api/api/tokenvalidator, control routes under /_sim/"

    /// Tokens, mode and the record of validator calls; tests may change it while it runs.
    public let state: OKITSimulatorState

    /// Creates the simulator over `state`.
    public init(state: OKITSimulatorState) {
        self.state = state
    }

    public func respond(to request: Request, context: SimulatorContext) async throws -> Response {
        try await OKITRoutes.respond(to: request, state: self.state)
    }

    public func control(_ route: String, request: Request, body: Value) async throws -> Response? {
        try OKITRoutes.control(route, method: request.method, body: body, state: self.state)
    }
}
