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
/// its configuration (``Configuration``, `--config FILE`, or the built-in demo data). Test-only
/// control routes under `/_sim/` issue and revoke tokens, set latency and failure modes, and
/// count validator calls.
public struct OKITSimulator: Sendable {
    /// Registration for the executable's simulator list.
    public static let kind = SimulatorKind(
        name: "okit",
        defaultPort: 9104,
        summary: "OKIT token validator: /OKIT.Operator.Api/api/tokenvalidator, control routes under /_sim/",
        configurable: { launch, ready in
            let configuration =
                try launch.configuration.map { file throws(ConfigError) in
                    try Configuration(text: file.text, file: file.path)
                } ?? Configuration.demo
            let simulator = OKITSimulator(
                host: launch.host,
                port: launch.port,
                logger: launch.logger,
                state: OKITSimulatorState(configuration)
            )
            try await simulator.run(onReady: ready)
        }
    )

    /// Tokens, mode and the record of validator calls; tests may change it while it runs.
    public let state: OKITSimulatorState
    let host: String
    let port: Int
    let logger: Logger

    /// Creates the simulator; `port` 0 picks a free one (reported through `onReady`).
    public init(host: String = "127.0.0.1", port: Int = 0, logger: Logger, state: OKITSimulatorState) {
        self.host = host
        self.port = port
        self.logger = logger
        self.state = state
    }

    /// Serves until the task is cancelled.
    public func run(onReady: @escaping @Sendable (Int) -> Void) async throws {
        let state = self.state
        try await LoopbackServer.run(host: self.host, port: self.port, serverName: "okit-simulator", logger: self.logger, onReady: onReady) { request in
            try await OKITRoutes.respond(to: request, state: state)
        }
    }
}
