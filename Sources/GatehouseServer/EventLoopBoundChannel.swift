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
    let limits: InboundLimits
    /// Answers early refusals (``EarlyAnswerHandler``) when set.
    var early: GatewayResponder? = nil

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        if self.limits.open.enter(limit: self.limits.maxConnections) {
            channel.closeFuture.whenComplete { [open = self.limits.open] _ in open.leave() }
        } else {
            // Over `max_connections`: set up as usual (a failed set-up would reach the
            // listener), then close before the first read.
            channel.eventLoop.execute { channel.close(promise: nil) }
        }
        do {
            try channel.pipeline.syncOperations.addHandler(
                RequestHeadGuard(timeout: self.limits.requestHeadTimeout, maxBytes: self.limits.maxRequestHeadBytes))
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        let value = self.inner.setup(channel: channel, logger: logger)
        guard let early = self.early else { return value }
        return value.flatMapThrowing { value in
            // After the connection state handler, so its idle and shutdown handling sees every
            // request and answer; before the async channel, which then never sees the request.
            let operations = channel.pipeline.syncOperations
            let state = try operations.handler(type: HTTPConnectionStateHandler.self)
            try operations.addHandler(EarlyAnswerHandler(responder: early), position: .after(state))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor.shared(for: value.channel.eventLoop)) {
            await self.inner.handle(value: value, logger: logger)
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with each connection's task bound to its event loop, under `limits`.
    static func eventLoopBoundHTTP1(limits: InboundLimits, early: GatewayResponder? = nil) -> HTTPServerBuilder {
        .init { responder in EventLoopBoundChannel(responder: responder, limits: limits, early: early) }
    }
}

extension EventLoopBoundChannel {
    /// The HTTP/1 channel for `responder` under `limits` (also wrapped by TLSListenerChannel).
    init(responder: @escaping HTTPChannelHandler.Responder, limits: InboundLimits, early: GatewayResponder? = nil) {
        // NIO's own decoder caps stay above ours, so ours answers first (431, not a reset).
        let decoderCap = Swift.max(80 * 1024, limits.maxRequestHeadBytes + 1)
        let configuration = HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestPhaseObserver()],
            idleTimeout: limits.idleTimeout,
            httpDecoderConfiguration: .init(maxHeaderFieldSize: decoderCap, maxHeaderListSize: decoderCap)
        )
        self.init(inner: HTTP1Channel(responder: responder, configuration: configuration), limits: limits, early: early)
    }
}
