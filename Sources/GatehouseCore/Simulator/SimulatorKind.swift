import Logging

/// A loopback server speaking one upstream's protocol, for tests and the demo
/// (`gatehouse simulate NAME`). The executable holds the list of built-in simulators.
///
/// ```swift
/// let echo = SimulatorKind(name: "echo", defaultPort: 9100, summary: "echo upstream") { host, port, logger, ready in
///     try await EchoUpstream(host: host, port: port, logger: logger).run(onReady: ready)
/// }
/// ```
public struct SimulatorKind: Sendable {
    /// Name used on the command line.
    public let name: String
    /// Port used when none is given.
    public let defaultPort: Int
    /// One line for `--help`.
    public let summary: String
    /// Serves until the task is cancelled; calls `ready` with the bound port once listening.
    public let run: @Sendable (_ host: String, _ port: Int, _ logger: Logger, _ ready: @escaping @Sendable (Int) -> Void) async throws -> Void

    /// Creates a simulator kind.
    public init(
        name: String,
        defaultPort: Int,
        summary: String,
        run: @escaping @Sendable (String, Int, Logger, @escaping @Sendable (Int) -> Void) async throws -> Void
    ) {
        self.name = name
        self.defaultPort = defaultPort
        self.summary = summary
        self.run = run
    }
}
