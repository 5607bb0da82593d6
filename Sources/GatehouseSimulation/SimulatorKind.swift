import Logging

/// A loopback server speaking one upstream's protocol, for tests and the demo
/// (`gatehouse simulate NAME [--port N] [--config FILE]`). The executable holds the list of
/// built-in simulators.
///
/// ```swift
/// let echo = SimulatorKind(name: "echo", defaultPort: 9100, summary: "echo upstream") { host, port, logger, ready in
///     try await EchoUpstream(host: host, port: port, logger: logger).run(onReady: ready)
/// }
/// let okit = SimulatorKind(name: "okit", defaultPort: 9104, summary: "OKIT token validator", configurable: { launch, ready in
///     try await OKITSimulator(launch: launch).run(onReady: ready)   // reads launch.configuration
/// })
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

    /// Creates a simulator kind that takes no configuration file.
    public init(
        name: String,
        defaultPort: Int,
        summary: String,
        run: @escaping @Sendable (String, Int, Logger, @escaping @Sendable (Int) -> Void) async throws -> Void
    ) {
        self.name = name
        self.defaultPort = defaultPort
        self.summary = summary
        self.acceptsConfiguration = false
        self.start = { launch, ready in try await run(launch.host, launch.port, launch.logger, ready) }
    }

    /// Creates a simulator kind that reads its own configuration file when one is given.
    public init(
        name: String,
        defaultPort: Int,
        summary: String,
        configurable start: @escaping @Sendable (Launch, @escaping @Sendable (Int) -> Void) async throws -> Void
    ) {
        self.name = name
        self.defaultPort = defaultPort
        self.summary = summary
        self.acceptsConfiguration = true
        self.start = start
    }
}
