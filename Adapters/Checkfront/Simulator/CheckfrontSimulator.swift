import GatehouseCore
import GatehouseSimulation
import Hummingbird
import Logging

/// Checkfront on loopback (`gatehouse simulate checkfront`, port 9103), for tests and the demo.
///
/// OAuth2: `GET /oauth/` (authorize page approving the demo staff user), `POST /oauth/token/`
/// (client credentials as HTTP Basic, RFC 6749 Basic or in the body; single-use 60 s codes;
/// 14000 s access tokens; 14-day refresh tokens; rotation; reuse of a rotated refresh token
/// revokes the grant). API 3.0 with token pairs or Bearer tokens: `ping`, `item`, `item/{id}`,
/// `booking/index`, `booking/{id}`, `booking/{id}/update`. Test-only control routes under
/// `/_sim/`: `clock`, `fail`, `revoke`, `redirect`, `stats`, `reset`.
public struct CheckfrontSimulator: Sendable {
    /// Registration for the executable's simulator list.
    public static let kind = SimulatorKind(
        name: "checkfront",
        defaultPort: 9103,
        summary: "Checkfront API 3.0 and OAuth2 (/oauth/, /oauth/token/), control routes under /_sim/"
    ) { host, port, logger, ready in
        try await CheckfrontSimulator(host: host, port: port, logger: logger, state: CheckfrontSimulatorState()).run(onReady: ready)
    }

    /// Clients, tokens, data, clock and counters; tests may change it while it runs.
    public let state: CheckfrontSimulatorState
    let host: String
    let port: Int
    let logger: Logger

    /// Creates the simulator; `port` 0 picks a free one (reported through `onReady`).
    public init(host: String = "127.0.0.1", port: Int = 0, logger: Logger, state: CheckfrontSimulatorState) {
        self.host = host
        self.port = port
        self.logger = logger
        self.state = state
    }

    /// Serves until the task is cancelled.
    public func run(onReady: @escaping @Sendable (Int) -> Void) async throws {
        let state = self.state
        try await LoopbackServer.run(host: self.host, port: self.port, serverName: "checkfront-simulator", logger: self.logger, onReady: onReady) { request in
            try await CheckfrontRoutes.respond(to: request, state: state)
        }
    }
}
