import Hummingbird
import Logging

/// The HTTP server every protocol simulator runs: one responder function on an address,
/// reporting the bound port once it listens (0 picks a free one), until its task is cancelled.
///
/// ```swift
/// try await LoopbackServer.run(host: "127.0.0.1", port: 0, serverName: "okit-simulator", logger: logger,
///                              onReady: { port in print(port) }) { request in try await routes.respond(to: request) }
/// ```
public enum LoopbackServer {
    /// Serves `respond` until the task is cancelled.
    public static func run(
        host: String,
        port: Int,
        serverName: String,
        logger: Logger,
        onReady: @escaping @Sendable (Int) -> Void,
        respond: @escaping @Sendable (Request) async throws -> Response
    ) async throws {
        let app = Application(
            responder: CallbackResponder<BasicRequestContext> { request, _ in try await respond(request) },
            configuration: .init(address: .hostname(host, port: port), serverName: serverName),
            onServerRunning: { channel in onReady(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        try await app.run()
    }
}
