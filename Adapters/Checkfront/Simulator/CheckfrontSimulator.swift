import GatehouseCore
import GatehouseSimulation
import Hummingbird

/// Checkfront on loopback (`gatehouse simulate checkfront`, port 9103), for tests and the demo.
///
/// OAuth2: `GET /oauth/` (authorize page approving the demo staff user), `POST /oauth/token/`
/// (client credentials as HTTP Basic, RFC 6749 Basic or in the body; single-use 60 s codes;
/// 14000 s access tokens; 14-day refresh tokens; rotation; reuse of a rotated refresh token
/// revokes the grant). API 3.0 with token pairs or Bearer tokens: `ping`, `item`, `item/{id}`,
/// `booking/index`, `booking/{id}`, `booking/{id}/update`. Control routes: the shared
/// `/_sim/stats`, `/_sim/reset` and `/_sim/clock` (its own clock, never the gateway's), and its
/// own `POST /_sim/fail`, `/_sim/revoke`, `/_sim/redirect`.
public struct CheckfrontSimulator: Simulator {
    /// Registration for the executable's simulator list.
    public static let kind = SimulatorKind(CheckfrontSimulator.self) { _, _ in
        CheckfrontSimulator(state: CheckfrontSimulatorState())
    }

    public static let name = "checkfront"
    public static let defaultPort = 9103
    public static let summary = "Checkfront API 3.0 and OAuth2 (/oauth/, /oauth/token/), control routes under /_sim/"

    /// Clients, tokens, data, clock and counters; tests may change it while it runs.
    public let state: CheckfrontSimulatorState

    /// Creates the simulator over `state`.
    public init(state: CheckfrontSimulatorState) {
        self.state = state
    }

    public func respond(to request: Request, context: SimulatorContext) async throws -> Response {
        try await CheckfrontRoutes.respond(to: request, state: self.state)
    }

    public func control(_ route: String, request: Request, body: Value) async throws -> Response? {
        CheckfrontRoutes.control(route, method: request.method, body: body, state: self.state)
    }
}
