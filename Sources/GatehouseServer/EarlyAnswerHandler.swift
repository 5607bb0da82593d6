import GatehouseCore
import HTTPTypes
import HummingbirdCore
import NIOCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// In each data-plane connection's pipeline, between Hummingbird's connection state handler and
/// its async channel: a request that ``GatewayResponder/earlyRefusal(_:remoteAddress:)`` answers
/// from its head is answered here, on the event loop, and never reaches Hummingbird; every
/// other request passes on untouched.
///
/// Order on the connection is kept: a request is only answered here while no earlier request
/// is with Hummingbird (a pipelining caller's answers arrive in the order it asked). The
/// answer's parts go through the connection state handler like Hummingbird's own, so its idle
/// timeout and graceful shutdown count this request as they count any other.
final class EarlyAnswerHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP1Channel.Value.InboundPart
    typealias InboundOut = HTTP1Channel.Value.InboundPart
    typealias OutboundIn = HTTP1Channel.Value.OutboundPart
    typealias OutboundOut = HTTP1Channel.Value.OutboundPart

    private let responder: GatewayResponder
    /// Requests passed on to Hummingbird whose answer has not ended yet.
    private var passedOn = 0
    /// The rest of a request answered here (its end) is not passed on.
    private var discarding = false
    /// The caller's address, read once per connection.
    private var remoteAddress: String??

    init(responder: GatewayResponder) {
        self.responder = responder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = self.unwrapInboundIn(data)
        switch part {
        case .head(let head):
            if self.passedOn == 0, let answer = self.responder.earlyRefusal(head, remoteAddress: self.address(context))
            {
                self.discarding = true
                self.write(answer, context: context)
                return
            }
            self.passedOn += 1
        case .body:
            if self.discarding { return }
        case .end:
            if self.discarding {
                self.discarding = false
                return
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // An answer without a request (Hummingbird's 400 for a head that did not parse) ends
        // no request passed on.
        if case .end = self.unwrapOutboundIn(data), self.passedOn > 0 { self.passedOn -= 1 }
        context.write(data, promise: promise)
    }

    private func write(_ answer: GatewayResponder.EarlyAnswer, context: ChannelHandlerContext) {
        var head = answer.head
        head.headerFields.append(HTTPField(name: .date, value: HTTPDate.now()))
        head.headerFields.append(HTTPField(name: .server, value: Listener.serverName))
        var body = context.channel.allocator.buffer(capacity: answer.body.count)
        body.writeBytes(answer.body)
        context.write(self.wrapOutboundOut(.head(head)), promise: nil)
        context.write(self.wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
    }

    private func address(_ context: ChannelHandlerContext) -> String? {
        if let known = self.remoteAddress { return known }
        let address = context.channel.remoteAddress?.ipAddress
        self.remoteAddress = .some(address)
        return address
    }
}

extension NIOAsyncChannel {
    /// The channel's outbound element type (NIOHTTPTypes' `HTTPResponsePart` for Hummingbird's
    /// HTTP/1 channel), named without importing its module.
    typealias OutboundPart = Outbound
}

/// The `Date` header's value (RFC 9110's IMF-fixdate), formatted once per second.
enum HTTPDate {
    private static let cache = Mutex<(second: Int, value: String)>((-1, ""))

    static func now() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let second = now.tv_sec
        return self.cache.withLock { cache in
            if cache.second == second { return cache.value }
            cache = (second, Self.format(second))
            return cache.value
        }
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT` for `seconds` since 1970.
    static func format(_ seconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return
            "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
