import GatehouseEchoUpstream
import GatehouseK2Simulator
import GatehouseOKITSimulator
import GatehouseSimulation
import Logging

/// A real simulator on a free loopback port (port 0), run inside the test process with its
/// state at hand; ``stop()`` ends it.
///
/// ```swift
/// let okit = try await OKITFixture.start()     // SimulatorFixture<OKITSimulator>
/// okit.state.issue(token: "t", application: "SMSAPP", client: "BlaBla")
/// defer { okit.stop() }
/// ```
public final class SimulatorFixture<S: Simulator>: Sendable {
    /// The port it listens on.
    public let port: Int
    /// The simulator it runs.
    public let simulator: S
    private let task: Task<Void, any Error>

    /// The simulator's state.
    public var state: S.State { self.simulator.state }

    /// `http://127.0.0.1:PORT`.
    public var origin: String { "http://127.0.0.1:\(self.port)" }

    private init(port: Int, simulator: S, task: Task<Void, any Error>) {
        self.port = port
        self.simulator = simulator
        self.task = task
    }

    /// Starts `simulator` on a free port and waits until it listens.
    public static func start(_ simulator: S) async throws -> SimulatorFixture<S> {
        var logger = Logger(label: "test.\(S.name)")
        // Hummingbird reports the cancellation that stops it as an error; nothing to see.
        logger.logLevel = .critical
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let task = Task {
            try await SimulatorServer.run(simulator, host: "127.0.0.1", port: 0, logger: logger) { port in
                continuation.yield(port)
            }
        }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else {
            throw GatewayProcessError(message: "the \(S.name) simulator did not start")
        }
        return SimulatorFixture(port: port, simulator: simulator, task: task)
    }

    /// Stops the simulator.
    public func stop() { self.task.cancel() }
}

/// The echo upstream, recording every request.
public typealias EchoFixture = SimulatorFixture<EchoUpstream>

extension SimulatorFixture where S == EchoUpstream {
    /// Starts an echo upstream.
    public static func start() async throws -> EchoFixture { try await Self.start(EchoUpstream()) }

    /// What it received.
    public var recorder: RequestRecorder { self.state }

    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { self.origin }
}

/// An OKIT validator: tokens, mode and validator calls at hand.
public typealias OKITFixture = SimulatorFixture<OKITSimulator>

extension SimulatorFixture where S == OKITSimulator {
    /// Starts a validator with `configuration` (the built-in demo data by default).
    public static func start(_ configuration: OKITSimulator.Configuration = .demo) async throws -> OKITFixture {
        try await Self.start(OKITSimulator(state: OKITSimulatorState(configuration)))
    }

    /// `http://127.0.0.1:PORT/OKIT.Operator.Api`, the base_url of an okit connection.
    public var baseURL: String { self.origin + "/OKIT.Operator.Api" }
}

/// A K2 API: data, mode and statistics at hand.
public typealias K2Fixture = SimulatorFixture<K2Simulator>

extension SimulatorFixture where S == K2Simulator {
    /// Starts a K2 simulator with `configuration`.
    public static func start(_ configuration: K2Simulator.Configuration = .init()) async throws -> K2Fixture {
        try await Self.start(K2Simulator(state: K2SimulatorState(configuration)))
    }

    /// `http://127.0.0.1:PORT/restservice`.
    public var baseURL: String { self.origin + "/restservice" }
}
