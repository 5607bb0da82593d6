import GatehouseOKITSimulator
import Logging

/// A real OKIT simulator on a free loopback port, run inside the test process; its state
/// (tokens, mode, validator calls) is at hand.
public final class OKITFixture: Sendable {
    /// The port it listens on.
    public let port: Int
    /// Tokens, mode and the validator requests seen.
    public let state: OKITSimulatorState
    private let task: Task<Void, any Error>

    /// `http://127.0.0.1:PORT/OKIT.Operator.Api`, the base_url of an okit connection.
    public var baseURL: String { "http://127.0.0.1:\(self.port)/OKIT.Operator.Api" }

    private init(port: Int, state: OKITSimulatorState, task: Task<Void, any Error>) {
        self.port = port
        self.state = state
        self.task = task
    }

    /// Starts a simulator with `configuration` (the built-in demo data by default).
    public static func start(_ configuration: OKITSimulator.Configuration = .demo) async throws -> OKITFixture {
        let state = OKITSimulatorState(configuration)
        var logger = Logger(label: "test.okit")
        // Hummingbird reports the cancellation that stops it as an error; nothing to see.
        logger.logLevel = .critical
        let simulator = OKITSimulator(port: 0, logger: logger, state: state)
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task {
            try await simulator.run { port in continuation.yield(port) }
        }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw GatewayProcessError(message: "okit simulator did not start") }
        return OKITFixture(port: port, state: state, task: task)
    }

    /// Stops the simulator.
    public func stop() { self.task.cancel() }
}
