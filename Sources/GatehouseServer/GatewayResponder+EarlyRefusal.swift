import GatehouseCore
import HTTPTypes

extension GatewayResponder {
    /// An answer the event loop writes itself, without a task or Hummingbird's request handling.
    struct EarlyAnswer {
        var head: HTTPResponse
        var body: [UInt8]
    }

    /// The 429 for a `/proxy` request that a rate limit refuses, decided from the head alone, or
    /// `nil` when the request must take the usual path. The answer, the access line and the
    /// metrics are the usual path's for the same request; what is saved is the work the usual
    /// path does before it reaches the same refusal (a task, Hummingbird's request and response,
    /// the async channel's reader and writer). Under overload most requests are refused, and
    /// this is what keeps refusing them cheap (issue 12; `docs/performance.md`, round six).
    ///
    /// Only the cases that can be decided without suspending and that the usual path decides
    /// the same way are answered here: the data listener, no tracer bootstrapped (its spans
    /// would be missing), a `gh_` API key that matches, a connection the client may use, a
    /// method `/proxy` forwards, no dot segments, no request body, and a refusal that takes no
    /// token (``Gateway/immediateRefusal(_:to:)``). Everything else, every admitted request
    /// included, goes on as before; the usual path then decides again. (A HEAD's answer loses
    /// its body in NIO's encoder, as on the usual path.)
    func earlyRefusal(_ head: HTTPRequest, remoteAddress: String?) -> EarlyAnswer? {
        guard self.role == .data, let target = head.path,
            target.utf8.starts(with: "/proxy/".utf8),
            !GatewaySpans.tracing, Self.hasNoBody(head.headerFields), Self.keepsAlive(head.headerFields)
        else { return nil }
        // The path as Hummingbird's `URI` reads it: up to the first `?`.
        let path = target.utf8.firstIndex(of: UInt8(ascii: "?")).map { String(target[..<$0]) } ?? target
        guard case .proxy(let name, let rest) = GatewayRoute.match(path: path) else { return nil }
        let gateway = self.live.current
        // Cheapest first: an admitted request pays a lookup and a look at the bucket, no more.
        guard let known = gateway.connections[name], gateway.mayRefuseImmediately(on: known) else { return nil }
        let credentials = InboundCredentials(
            authorization: head.headerFields.value(for: .authorization), headers: head.headerFields)
        guard let principal = gateway.immediatePrincipal(credentials),
            let connection = try? gateway.connection(name, for: principal),
            Self.proxiedMethods.contains(head.method), !GatewayRoute.hasDotSegments(rest),
            let refusal = gateway.immediateRefusal(principal, to: connection)
        else { return nil }
        var responder = self
        responder.gateway = gateway
        var (access, trace) = Self.begin(method: head.method, headers: head.headerFields, remoteAddress: remoteAddress)
        access.route = "proxy"
        access.connection = name
        access.client = principal.name
        self.metrics.started()
        self.count(refusal, principal: principal, connection: connection)
        let answer = responder.errorAnswer(refusal.error, access: &access)
        var headers = answer.headers
        Self.stamp(&headers, access: access, traceparent: trace.traceparent)
        headers.append(HTTPField(name: .contentLength, value: String(answer.body.count)))
        responder.record(access, status: answer.status.code, aborted: false)
        return EarlyAnswer(head: HTTPResponse(status: answer.status, headerFields: headers), body: answer.body)
    }

    /// No `Connection` header but `keep-alive`: the usual path closes the connection after a
    /// request with `Connection: close`, so such requests take it.
    private static func keepsAlive(_ headers: HTTPFields) -> Bool {
        guard let connection = headers.value(for: .connection) else { return true }
        return connection.utf8.elementsEqual("keep-alive".utf8) || connection.lowercased() == "keep-alive"
    }

    /// No `Transfer-Encoding` and no `Content-Length` other than `0`: the request ends with its
    /// head, so answering it early leaves no body to drain.
    private static func hasNoBody(_ headers: HTTPFields) -> Bool {
        guard !headers.contains(.transferEncoding) else { return false }
        guard let length = headers.value(for: .contentLength) else { return true }
        return length == "0"
    }
}
