import GatehouseK2Simulator
import Logging

/// A real K2 simulator on a free loopback port, run inside the test process; its state
/// (data, mode, the requests and signatures it saw, the in-flight peak) is at hand.
public final class K2Fixture: Sendable {
    /// The port it listens on.
    public let port: Int
    /// Data, mode and statistics.
    public let state: K2SimulatorState
    private let task: Task<Void, any Error>

    /// `http://127.0.0.1:PORT/restservice`, the base_url of a k2 connection.
    public var baseURL: String { "http://127.0.0.1:\(self.port)/restservice" }

    private init(port: Int, state: K2SimulatorState, task: Task<Void, any Error>) {
        self.port = port
        self.state = state
        self.task = task
    }

    /// Starts a simulator with `configuration` (AN1..AN5 / ANPassword by default).
    public static func start(_ configuration: K2Simulator.Configuration = .init()) async throws -> K2Fixture {
        let state = K2SimulatorState(configuration)
        var logger = Logger(label: "test.k2")
        logger.logLevel = .critical
        let simulator = K2Simulator(port: 0, logger: logger, state: state)
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task { try await simulator.run { port in continuation.yield(port) } }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw GatewayProcessError(message: "k2 simulator did not start") }
        return K2Fixture(port: port, state: state, task: task)
    }

    /// Stops the simulator.
    public func stop() { self.task.cancel() }
}
