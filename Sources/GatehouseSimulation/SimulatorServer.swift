import GatehouseCore
import Hummingbird
import Logging
import NIOCore

/// Serves a ``Simulator`` on one address until its task is cancelled, reporting the bound port
/// once it listens (0 picks a free one): `/_sim/` goes to ``SimulatorControl``, everything else
/// to the simulator's routes.
///
/// ```swift
/// try await SimulatorServer.run(OKITSimulator(state: state), host: "127.0.0.1", port: 0, logger: logger) { port in
/// print(port) }
/// ```
public enum SimulatorServer {
    /// Serves `simulator` until the task is cancelled.
    public static func run<S: Simulator>(
        _ simulator: S,
        host: String,
        port: Int,
        logger: Logger,
        onReady: @escaping @Sendable (Int) -> Void
    ) async throws {
        defer { simulator.shutdown() }
        let responder = CallbackResponder<SimulatorContext> { request, context in
            do {
                if request.uri.path.hasPrefix(SimulatorControl.prefix) {
                    return try await SimulatorControl.respond(to: request, simulator: simulator)
                }
                return try await simulator.respond(to: request, context: context)
            } catch is SimulatorHTTP.TooLarge {
                return SimulatorHTTP.json(
                    ["error": .string("request body over \(SimulatorHTTP.maxBodyBytes) bytes")], status: 413)
            }
        }
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname(host, port: port), serverName: S.serverName),
            onServerRunning: { channel in onReady(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        try await app.run()
    }
}

/// The request context simulators see: the caller's TCP port (equal ports mean a reused
/// connection).
public struct SimulatorContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller's TCP port.
    public let peerPort: Int

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.peerPort = source.channel.remoteAddress?.port ?? 0
    }
}
