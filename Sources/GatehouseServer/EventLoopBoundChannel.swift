import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1 child channel whose connection task runs on the channel's own event
/// loop (``EventLoopTaskExecutor``) instead of the global concurrent pool.
///
/// The proxy route does no blocking work: it parses, authenticates, hands the transfer to the
/// curl thread and relays bytes, so it stays on the loop. Routes that may block or compute at
/// length (operations, admin, endpoints, hooks) hop back to the global pool for their handler
/// (``GatewayResponder``), so they never stall the other connections of the loop.
struct EventLoopBoundChannel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let inner: HTTP1Channel

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        self.inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor(value.channel.eventLoop)) {
            await self.inner.handle(value: value, logger: logger)
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with each connection's task bound to its event loop.
    static func eventLoopBoundHTTP1() -> HTTPServerBuilder {
        .init { responder in
            EventLoopBoundChannel(inner: HTTP1Channel(responder: responder))
        }
    }
}
