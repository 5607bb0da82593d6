import GatehouseCore
import HTTPTypes
import HummingbirdCore
import NIOCore
import Synchronization

/// The inbound connection limits of `server:`: `max_connections`, `request_head_timeout_seconds`
/// and `max_request_head_bytes` (`idle_timeout_seconds` is Hummingbird's own idle handler).
struct InboundLimits: Sendable {
    var maxConnections: Int
    var requestHeadTimeout: TimeAmount
    var maxRequestHeadBytes: Int
    var idleTimeout: TimeAmount
    /// The listen socket's backlog (`listen_backlog`).
    var backlog: Int

    /// Open inbound connections, shared by every listener channel of one server.
    let open = OpenConnections()

    init(_ server: GatewayConfiguration.Server) {
        self.maxConnections = server.maxConnections
        self.requestHeadTimeout = .seconds(Int64(server.requestHeadTimeoutSeconds))
        self.maxRequestHeadBytes = server.maxRequestHeadBytes
        self.idleTimeout = .seconds(Int64(server.idleTimeoutSeconds))
        self.backlog = server.listenBacklog
    }
}

/// A count of open inbound connections.
final class OpenConnections: Sendable {
    private let count = Atomic<Int>(0)

    /// Takes a place when fewer than `limit` are open.
    func enter(limit: Int) -> Bool {
        let now = self.count.wrappingAdd(1, ordering: .relaxed).newValue
        if now > limit {
            self.count.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    /// Gives a place back.
    func leave() { self.count.wrappingSubtract(1, ordering: .relaxed) }

    /// Connections open now.
    var current: Int { self.count.load(ordering: .relaxed) }
}

/// What ``RequestPhaseObserver`` tells ``RequestHeadGuard`` (an outbound user event, since the
/// guard sits in front of the HTTP decoder).
enum RequestPhase {
    /// A request head was decoded: its time and size limits are met.
    case headReceived
    /// A request ended: the next bytes begin a new head.
    case requestEnded
}

/// In front of the HTTP decoder: a request line and headers must arrive within
/// `request_head_timeout_seconds` of their first byte (else the connection is closed) and
/// stay within `max_request_head_bytes` (else 431 in the uniform error body, then close).
/// Bytes are only scanned while a head is under way; bodies pass untouched.
final class RequestHeadGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let timeout: TimeAmount
    private let maxBytes: Int
    private var awaitingHead = true
    private var headBytes = 0
    /// How much of `\r\n\r\n` the bytes so far end with.
    private var matched = 0
    /// The head-timeout check. It stays scheduled across requests (see ``startTimer(context:deadline:)``).
    private var timer: Scheduled<Void>?
    /// When the head under way sent its first byte.
    private var headStarted = NIODeadline.distantPast
    private var refused = false

    init(timeout: TimeAmount, maxBytes: Int) {
        self.timeout = timeout
        self.maxBytes = maxBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.refused else { return }
        let buffer = self.unwrapInboundIn(data)
        if self.awaitingHead, buffer.readableBytes > 0 {
            if self.headBytes == 0 { self.headStarted = .now() }
            if self.timer == nil { self.startTimer(context: context, deadline: self.headStarted + self.timeout) }
            if self.scan(buffer) == false {
                self.refuse(context: context)
                return
            }
        }
        context.fireChannelRead(data)
    }

    /// Counts head bytes up to the blank line; `false` when the head is over the limit.
    /// The state lives in locals over the raw bytes while scanning (a class's stored
    /// properties, touched per byte, cost an exclusivity check each, and `readableBytesView`'s
    /// iterator a bounds check each).
    private func scan(_ buffer: ByteBuffer) -> Bool {
        var headBytes = self.headBytes
        var matched = self.matched
        let maxBytes = self.maxBytes
        // true: the head ended; false: over the limit; nil: the head goes on.
        let outcome = buffer.withUnsafeReadableBytes { bytes -> Bool? in
            for byte in bytes {
                headBytes += 1
                switch (matched, byte) {
                case (0, 0x0D), (2, 0x0D): matched += 1
                case (1, 0x0A): matched = 2
                case (3, 0x0A): return true
                case (_, 0x0D): matched = 1
                default: matched = 0
                }
                if headBytes > maxBytes { return false }
            }
            return nil
        }
        self.headBytes = headBytes
        self.matched = matched
        if outcome == true { self.headDone() }
        return outcome ?? true
    }

    private func headDone() {
        self.awaitingHead = false
    }

    /// The check is not cancelled when a head completes and scheduled again for the next one:
    /// on a keep-alive connection that cost a scheduled task, a heap insertion and a
    /// cancellation per request (about 10,000 instructions). It runs at most once per timeout
    /// instead: it closes the connection when the head under way is older than the timeout,
    /// moves itself to the end of that head's time when it is younger, and ends when no head
    /// is under way (the next head's first byte schedules it again).
    private func startTimer(context: ChannelHandlerContext, deadline: NIODeadline) {
        self.timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.timer = nil
            guard self.awaitingHead, self.headBytes > 0, !self.refused else { return }
            let due = self.headStarted + self.timeout
            guard NIODeadline.now() >= due else {
                self.startTimer(context: context, deadline: due)
                return
            }
            self.refused = true
            context.close(promise: nil)
        }
    }

    /// 431 in the uniform error body, then the connection is closed.
    private func refuse(context: ChannelHandlerContext) {
        self.refused = true
        self.timer?.cancel()
        self.timer = nil
        let error = GatewayError(.headerTooLarge, "the request line and headers exceed \(self.maxBytes) bytes")
        let body = JSON.serializeBytes(error.body(requestID: RequestIdentifier.make()))
        var buffer = context.channel.allocator.buffer(capacity: 160 + body.count)
        buffer.writeString(
            """
            HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: application/json\r\nContent-Length: \
            \(body.count)\r\nConnection: close\r\n\r\n
            """
        )
        buffer.writeBytes(body)
        context.writeAndFlush(self.wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let phase = event as? RequestPhase else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        switch phase {
        case .headReceived:
            self.headDone()
        case .requestEnded:
            self.awaitingHead = true
            self.headBytes = 0
            self.matched = 0
        }
        promise?.succeed(())
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.timer?.cancel()
        self.timer = nil
    }
}

/// After the HTTP decoder: tells ``RequestHeadGuard`` when a head was decoded and when a
/// request ended.
final class RequestPhaseObserver: ChannelInboundHandler, RemovableChannelHandler {
    /// Hummingbird's request parts (NIOHTTPTypes' `HTTPRequestPart`).
    typealias InboundIn = HTTP1Channel.Value.InboundPart
    typealias InboundOut = HTTP1Channel.Value.InboundPart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head: context.triggerUserOutboundEvent(RequestPhase.headReceived, promise: nil)
        case .end: context.triggerUserOutboundEvent(RequestPhase.requestEnded, promise: nil)
        case .body: break
        }
        context.fireChannelRead(data)
    }
}

extension NIOAsyncChannel {
    /// The channel's inbound element type (NIOHTTPTypes' `HTTPRequestPart` for Hummingbird's
    /// HTTP/1 channel), named without importing its module.
    typealias InboundPart = Inbound
}
