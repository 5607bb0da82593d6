import GatehouseCore
import Logging

/// A ``Simulator`` registered for `gatehouse simulate NAME [--port N] [--config FILE]`: how to
/// build one from its optional configuration file. The executable holds the list of built-in
/// simulators.
///
/// ```swift
/// public static let kind = SimulatorKind(EchoUpstream.self) { _, _ in EchoUpstream() }
/// public static let kind = SimulatorKind(OKITSimulator.self, configurable: true) { file, _ in
///     OKITSimulator(state: OKITSimulatorState(try file.map { try Configuration(text: $0.text, file: $0.path) } ??
/// .demo))
/// }
/// ```
public struct SimulatorKind: Sendable {
    /// A simulator's own configuration file, read by the executable (`--config FILE`).
    public struct ConfigurationFile: Sendable {
        /// The path as given, for `file:line` messages.
        public var path: String
        /// The file's text.
        public var text: String

        /// Creates a configuration file.
        public init(path: String, text: String) {
            self.path = path
            self.text = text
        }
    }

    /// What one run of a simulator is started with.
    public struct Launch: Sendable {
        /// Address to bind.
        public var host: String
        /// Port to bind; 0 picks a free one (reported through `ready`).
        public var port: Int
        /// For the simulator's own log lines.
        public var logger: Logger
        /// The `--config` file; `nil` means the simulator's built-in defaults.
        public var configuration: ConfigurationFile?

        /// Creates a launch.
        public init(host: String, port: Int, logger: Logger, configuration: ConfigurationFile? = nil) {
            self.host = host
            self.port = port
            self.logger = logger
            self.configuration = configuration
        }
    }

    /// Name used on the command line.
    public let name: String
    /// Port used when none is given.
    public let defaultPort: Int
    /// One line for `--help`.
    public let summary: String
    /// Whether the simulator reads a configuration file (`--config`).
    public let acceptsConfiguration: Bool
    /// Serves until the task is cancelled; calls `ready` with the bound port once listening.
    /// Throws ``ConfigError`` for a bad configuration file.
    public let start: @Sendable (_ launch: Launch, _ ready: @escaping @Sendable (Int) -> Void) async throws -> Void

    /// Registers `type`, built by `make` from the `--config` file (always `nil` unless
    /// `configurable`) and the launch's logger.
    public init<S: Simulator>(
        _ type: S.Type,
        configurable: Bool = false,
        make: @escaping @Sendable (ConfigurationFile?, Logger) throws -> S
    ) {
        self.name = S.name
        self.defaultPort = S.defaultPort
        self.summary = S.summary
        self.acceptsConfiguration = configurable
        self.start = { launch, ready in
            let simulator = try make(launch.configuration, launch.logger)
            try await SimulatorServer.run(
                simulator, host: launch.host, port: launch.port, logger: launch.logger, onReady: ready)
        }
    }
}
