import GatehouseHTTPSimulator
import Logging
import Synchronization

/// A real echo upstream on a free loopback port, run inside the test process.
public final class EchoFixture: Sendable {
    /// The port it listens on.
    public let port: Int
    /// What it received.
    public let recorder: RequestRecorder
    private let task: Task<Void, any Error>

    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { "http://127.0.0.1:\(self.port)" }

    private init(port: Int, recorder: RequestRecorder, task: Task<Void, any Error>) {
        self.port = port
        self.recorder = recorder
        self.task = task
    }

    /// Starts an echo upstream and returns once it listens.
    public static func start() async throws -> EchoFixture {
        let recorder = RequestRecorder()
        var logger = Logger(label: "test.echo")
        logger.logLevel = .error
        let upstream = EchoUpstream(port: 0, logger: logger, recorder: recorder)
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task {
            try await upstream.run { port in continuation.yield(port) }
        }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw GatewayProcessError(message: "echo upstream did not start") }
        return EchoFixture(port: port, recorder: recorder, task: task)
    }

    /// Stops the upstream.
    public func stop() { self.task.cancel() }
}
