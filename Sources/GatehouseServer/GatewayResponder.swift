import GatehouseConsole
import GatehouseCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Answers every inbound request of one listener: matches the gateway route, keeps to the routes
/// of its listener's role (``Listener/Role``), authenticates, dispatches to the connection's
/// adapter and renders errors as the uniform body. One access line and one set of metrics per
/// request.
struct GatewayResponder: HTTPResponder {
    typealias Context = GatewayRequestContext

    /// The listener this responder answers for: a route of the other listener is 404 here.
    let role: Listener.Role
    /// The gateway serving now; each request takes ``gateway`` from it once, when it starts.
    let live: LiveGateway
    /// The gateway this request runs on (set by ``respond(to:context:)``): a reload during the
    /// request does not change it.
    var gateway: Gateway
    let maxBodyBytes: Int
    let maxOperationBodyBytes: Int
    let forwardedHeaders: GatewayConfiguration.Server.ForwardedHeaders
    /// `X-Forwarded-Proto`: `https` behind `server.tls`, else `http`.
    var forwardedProto = "http"
    let metrics: GatewayMetrics
    let readiness: Readiness
    var admin: AdminAPI
    /// The operator console (admin listener only).
    let console: Console?
    /// Per-connection counts for the console.
    let traffic: RecentTraffic
    let renderMetrics: @Sendable () -> [UInt8]
    let logger: Logger
    /// Writes the access line as bytes when `logger` is the gateway's logfmt handler (see
    /// ``LogfmtLogHandler/accessWriter(for:)``); otherwise the line goes through `logger`.
    var accessLog: LogfmtLogHandler? = nil

    static let requestIDField = HTTPField.Name("X-Request-Id")!

    func respond(to request: Request, context: Context) async throws -> Response {
        var responder = self
        responder.gateway = self.live.current
        responder.admin.gateway = responder.gateway
        return try await responder.serve(request, context: context)
    }

    nonisolated(nonsending) private func serve(_ request: Request, context: Context) async throws -> Response {
        var (access, trace) = Self.begin(
            method: request.method, headers: request.headers, remoteAddress: context.remoteAddress)
        var hop = trace
        self.metrics.started()
        var response: Response
        do {
            response = try await RequestTimings.$current.withValue(access.timings) {
                try await GatewaySpans.serve(trace, headers: request.headers) { traced in
                    // A tracer's own W3C span may stand for this hop (the same trace id).
                    hop = traced
                    return try await self.dispatch(request, context: context, access: &access)
                }
            }
        } catch {
            response = self.errorResponse(error, access: &access)
        }
        Self.stamp(&response.headers, access: access, traceparent: hop.traceparent)
        let status = response.status.code
        guard access.streamed else {
            // Buffered answers are complete now; leaving their body untouched keeps
            // Hummingbird's single-write path.
            self.record(access, status: status, aborted: false)
            return response
        }
        // Streamed answers are recorded when the body has been sent, with their full duration.
        let finalAccess = access
        response.body = response.body.withCompletion { error in
            self.record(finalAccess, status: status, aborted: error != nil)
        }
        return response
    }

    /// A request's access record (its request id: the caller's `X-Request-Id` when well-formed,
    /// else a new one) and its trace context (the caller's when well-formed, else a new trace).
    static func begin(method: HTTPRequest.Method, headers: HTTPFields, remoteAddress: String?)
        -> (AccessRecord, TraceContext)
    {
        let started = ContinuousClock.now
        let incoming = headers.value(for: Self.requestIDField)
        let requestID = incoming.flatMap { RequestIdentifier.isWellFormed($0) ? $0 : nil } ?? RequestIdentifier.make()
        var access = AccessRecord(requestID: requestID, method: method.rawValue, started: started)
        access.remoteAddress = remoteAddress
        let trace = TraceContext(
            traceparent: headers.value(for: TraceContext.traceparentField),
            tracestate: headers.value(for: TraceContext.tracestateField))
        access.traceID = trace.traceID
        return (access, trace)
    }

    /// The headers every answer carries: `X-Request-Id`, `traceparent` and, when a rate limit
    /// applied, `RateLimit-*`.
    static func stamp(_ headers: inout HTTPFields, access: AccessRecord, traceparent: String) {
        headers.set(Self.requestIDField, to: access.requestID)
        headers.set(TraceContext.traceparentField, to: traceparent)
        if let status = access.rateLimit { Self.addRateLimitHeaders(status, to: &headers) }
    }

    /// One access line and the request metrics.
    func record(_ access: AccessRecord, status: Int, aborted: Bool) {
        let elapsed = ContinuousClock.now - access.started
        let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        let label = self.metricLabel(access.connection)
        self.metrics.finished(connection: label, route: access.route, status: status, nanoseconds: nanoseconds)
        if label != "-", self.role == .data {
            self.traffic.record(connection: label, status: status, at: access.started)
        }
        if access.connection != nil, access.route == "proxy" || access.route == "operation" {
            self.metrics.upstreamTimings(
                connection: label, queueNanoseconds: access.timings.queueWait,
                upstreamNanoseconds: access.timings.upstream)
        }
        guard self.logger.logLevel <= .info else { return }
        let upstreamRoute = access.connection != nil && (access.route == "proxy" || access.route == "operation")
        if let accessLog = self.accessLog {
            accessLog.logAccess(
                .init(
                    requestID: access.requestID, client: access.client, connection: access.connection,
                    method: access.method,
                    route: access.route, status: status, upstreamStatus: access.upstreamStatus,
                    nanoseconds: nanoseconds,
                    queueNanoseconds: upstreamRoute ? access.timings.queueWait : nil,
                    upstreamNanoseconds: upstreamRoute ? access.timings.upstream : nil,
                    error: access.errorCode, aborted: aborted, traceID: access.traceID
                )
            )
            return
        }
        var metadata: Logger.Metadata = [
            "request_id": .string(access.requestID),
            "client": .string(access.client ?? "-"),
            "connection": .string(access.connection ?? "-"),
            "method": .string(access.method),
            "route": .string(access.route),
            "status": .stringConvertible(status),
            "upstream_status": .string(access.upstreamStatus.map(String.init) ?? "-"),
            "duration_ms": .string(String(format: nanoseconds)),
        ]
        if let code = access.errorCode { metadata["error"] = .string(code) }
        if upstreamRoute {
            metadata["queue_ms"] = .string(String(format: access.timings.queueWait))
            metadata["upstream_ms"] = .string(String(format: access.timings.upstream))
        }
        if aborted { metadata["aborted"] = "true" }
        if let trace = access.traceID { metadata["trace_id"] = .string(trace) }
        self.logger.info("access", metadata: metadata)
    }

    /// The connection label of a request's metrics: its name when configured, else "-". A
    /// name taken from the path is the caller's choice, and one series per made-up name would
    /// grow `/metrics` without bound.
    func metricLabel(_ connection: String?) -> String {
        guard let connection, self.gateway.connections[connection] != nil else { return "-" }
        return connection
    }

    nonisolated(nonsending) private func dispatch(_ request: Request, context: Context, access: inout AccessRecord)
        async throws -> Response
    {
        var route = GatewayRoute.match(path: request.uri.path)
        if !self.serves(route) { route = .notFound }
        switch route {
        case .proxy(let connection, let path):
            // Stays on the connection's event loop (``EventLoopBoundChannel``): no blocking work.
            access.route = "proxy"
            access.connection = connection
            return try await self.proxy(request, connection: connection, path: path, access: &access)
        case .health, .ready, .metrics, .notFound:
            return try await self.handle(route, request, context: context, access: &access)
        default:
            // Handlers that may block (SQLite, adapters' parsing) run on the global pool, not
            // on the event loop shared with other connections.
            return try await withTaskExecutorPreference(globalConcurrentExecutor) {
                try await self.handle(route, request, context: context, access: &access)
            }
        }
    }

    /// Answers `route` on the current executor.
    private func handle(_ route: GatewayRoute, _ request: Request, context: Context, access: inout AccessRecord)
        async throws -> Response
    {
        switch route {
        case .proxy(let connection, let path):
            access.route = "proxy"
            access.connection = connection
            return try await self.proxy(request, connection: connection, path: path, access: &access)
        case .operation(let connection, let operation):
            access.route = "operation"
            access.connection = connection
            return try await self.operation(request, connection: connection, operation: operation, access: &access)
        case .health:
            access.route = "healthz"
            try Self.requireGet(request, "/healthz")
            return Self.json(["status": "ok"])
        case .ready:
            access.route = "readyz"
            try Self.requireGet(request, "/readyz")
            if let reason = self.readiness.notReadyReason {
                throw GatewayError(.unavailable, "not ready: \(reason)")
            }
            return Self.json(["status": "ready"])
        case .metrics:
            access.route = "metrics"
            try Self.requireGet(request, "/metrics")
            self.metrics.connectionHealth(self.gateway.connections.values.map { ($0.name, $0.health.current) })
            self.metrics.circuitStates(
                self.gateway.connections.values.compactMap { c in c.upstreamGuard.breaker.map { (c.name, $0.state()) } }
            )
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: self.renderMetrics()))
            )
        case .openAPI:
            access.route = "openapi"
            return try await self.openAPIDocument(request, access: &access)
        case .endpoint(let connection, let name):
            access.route = "endpoint"
            access.connection = connection
            return try await self.endpoint(request, connection: connection, name: name, access: &access)
        case .hook(let connection, let name):
            access.route = "hook"
            access.connection = connection
            return try await self.hook(request, connection: connection, name: name, access: access)
        case .admin(let segments):
            access.route = "admin"
            return try await self.admin.respond(
                to: request, segments: segments, remoteAddress: context.remoteAddress, access: &access)
        case .notFound:
            if self.role == .admin, let console = self.console, !request.uri.path.hasPrefix("/admin/") {
                access.route = "console"
                return await console.respond(to: request, remoteAddress: context.remoteAddress)
            }
            access.route = "other"
            throw GatewayError(.notFound, "no route for \(request.method.rawValue) \(request.uri.path)")
        }
    }

    /// `GET /oauth/{connection}/{name}`: an adapter's own endpoint; the admin token is checked
    /// first for the names the adapter lists in `adminEndpoints`.
    private func endpoint(
        _ request: Request, connection name: String, name endpoint: String, access: inout AccessRecord
    )
        async throws -> Response
    {
        guard let connection = self.gateway.connections[name], let endpoints = connection.endpoints else {
            throw GatewayError(.notFound, "no route for \(request.method.rawValue) \(request.uri.path)")
        }
        guard request.method == .get || request.method == .head else {
            throw GatewayError.methodNotAllowed("/oauth/{connection}/... takes GET", allow: "GET", connection: name)
        }
        let isAdmin = endpoints.adminEndpoints.contains(endpoint)
        // Operator endpoints (`start`) live on the admin listener, vendor ones (`callback`) on
        // the data plane; each is the same 404 as an unknown route on the other listener.
        guard isAdmin == (self.role == .admin) else {
            throw GatewayError(.notFound, "no route for \(request.method.rawValue) \(request.uri.path)")
        }
        if isAdmin {
            try self.admin.verify(request)
            access.client = "admin"
        }
        let answer: EndpointResponse
        do {
            answer = try await endpoints.endpoint(
                EndpointRequest(name: endpoint, query: EndpointRequest.decode(query: request.uri.query)))
        } catch let error as GatewayError {
            throw isAdmin
                ? error.on(connection: name)
                : self.forUnauthenticatedCaller(error, connection: name, requestID: access.requestID)
        }
        var headers: HTTPFields = [.contentType: answer.contentType, .cacheControl: "no-store"]
        if let location = answer.location { headers[.location] = location }
        return Response(
            status: try Self.finalStatus(answer.status, connection: name, error: .internal), headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    /// Largest web hook body accepted.
    static let maxHookBodyBytes = 64 * 1024

    /// `POST /hooks/{connection}/{name...}`: a web hook an upstream calls; the adapter checks its
    /// secret. The path (which may hold the secret) is never logged or echoed.
    private func hook(_ request: Request, connection name: String, name hook: String, access: AccessRecord) async throws
        -> Response
    {
        guard let connection = self.gateway.connections[name], let endpoints = connection.endpoints else {
            throw GatewayError(.notFound, "no web hook for connection \"\(name)\"")
        }
        guard request.method == .post else {
            throw GatewayError.methodNotAllowed("web hooks take POST", allow: "POST", connection: name)
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: Self.maxHookBodyBytes)
        } catch {
            throw GatewayError(
                .payloadTooLarge, "web hook bodies are limited to \(Self.maxHookBodyBytes) bytes", connection: name)
        }
        let answer: EndpointResponse
        do {
            answer = try await endpoints.hook(
                EndpointRequest(
                    name: hook, query: EndpointRequest.decode(query: request.uri.query), headers: request.headers,
                    body: Array(body.readableBytesView))
            )
        } catch let error as GatewayError {
            throw self.forUnauthenticatedCaller(error, connection: name, requestID: access.requestID)
        }
        return Response(
            status: try Self.finalStatus(answer.status, connection: name, error: .internal),
            headers: [.contentType: answer.contentType, .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: answer.body))
        )
    }

    /// Adds the gateway's own forwarding headers (`server.forwarded_headers: set`) to headers
    /// bound upstream; the caller's were already dropped by ``HeaderPolicy``.
    func addForwardedHeaders(to headers: inout HTTPFields, access: AccessRecord) {
        guard self.forwardedHeaders == .set else { return }
        headers.append(
            contentsOf: HeaderPolicy.forwardedHeaders(remoteAddress: access.remoteAddress, proto: self.forwardedProto)
        )
    }

    /// Applies the caller's and the connection's rate limits: 429 `rate_limited` (counted in
    /// `gatehouse_rate_limited_total`) before anything is sent upstream.
    func admit(_ principal: Principal, to connection: ConnectionRuntime, access: inout AccessRecord) throws {
        do {
            access.rateLimit = try self.gateway.admit(principal, to: connection)?.status
        } catch let refusal as RateLimitedAdmission.Refusal {
            self.count(refusal, principal: principal, connection: connection)
            throw refusal.error
        }
    }

    /// `gatehouse_rate_limited_total` for the caller's or the connection's limit.
    func count(_ refusal: RateLimitedAdmission.Refusal, principal: Principal, connection: ConnectionRuntime) {
        self.metrics.rateLimited(
            scope: refusal.scope.rawValue, name: refusal.scope == .client ? principal.name : connection.name)
    }

    /// `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`.
    static func addRateLimitHeaders(_ status: RateLimitStatus, to headers: inout HTTPFields) {
        headers.set(Self.rateLimitLimitField, to: String(status.limit))
        headers.set(Self.rateLimitRemainingField, to: String(status.remaining))
        headers.set(Self.rateLimitResetField, to: String(status.resetSeconds))
    }

    static let rateLimitLimitField = HTTPField.Name("RateLimit-Limit")!
    static let rateLimitRemainingField = HTTPField.Name("RateLimit-Remaining")!
    static let rateLimitResetField = HTTPField.Name("RateLimit-Reset")!

    nonisolated(nonsending) func authenticate(_ request: Request, access: inout AccessRecord) async throws -> Principal
    {
        let credentials = InboundCredentials(
            authorization: request.headers.value(for: .authorization), headers: request.headers)
        let principal = try await self.gateway.authenticate(credentials)
        access.client = principal.name
        return principal
    }

    private func errorResponse(_ error: any Error, access: inout AccessRecord) -> Response {
        let answer = self.errorAnswer(error, access: &access)
        return Response(
            status: answer.status, headers: answer.headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    /// The uniform error answer to `error`: its status, `Content-Type`, `Retry-After` and `Allow`,
    /// and the body; `access` takes the error code, upstream status and rate-limit state.
    func errorAnswer(_ error: any Error, access: inout AccessRecord)
        -> (status: HTTPResponse.Status, headers: HTTPFields, body: [UInt8])
    {
        let gatewayError: GatewayError
        switch error {
        case let error as GatewayError: gatewayError = error
        case let error as TransportError: gatewayError = GatewayError(error, connection: access.connection)
        case is CancellationError: gatewayError = GatewayError(.unavailable, "the request was cancelled")
        default:
            // Only the type is logged: messages of unknown errors could carry anything.
            self.logger.error(
                "unexpected error",
                metadata: ["request_id": .string(access.requestID), "type": .string("\(type(of: error))")])
            gatewayError = GatewayError(
                .internal, "internal error; see the gateway log for request \(access.requestID)")
        }
        access.errorCode = gatewayError.code.rawValue
        if let upstreamStatus = gatewayError.upstreamStatus { access.upstreamStatus = upstreamStatus }
        if [.upstreamError, .upstreamTimeout, .upstreamUnreachable].contains(gatewayError.code),
            access.connection != nil
        {
            self.metrics.upstreamError(
                connection: self.metricLabel(access.connection), kind: gatewayError.code.rawValue)
        }
        var headers: HTTPFields = [.contentType: "application/json"]
        if let seconds = gatewayError.retryAfterSeconds { headers.set(.retryAfter, to: String(seconds)) }
        if let allow = gatewayError.allowedMethods { headers.set(.allow, to: allow) }
        if let status = gatewayError.rateLimit { access.rateLimit = status }
        return (
            // Error codes map to valid statuses; an impossible one still never traps.
            (try? Self.finalStatus(gatewayError.code.httpStatus, connection: nil)) ?? .internalServerError, headers,
            JSON.serializeBytes(gatewayError.body(requestID: access.requestID))
        )
    }

    static func json(_ value: Value, status: Int = 200) -> Response {
        Response(
            // Callers pass constants and error codes; an impossible one still never traps.
            status: (try? Self.finalStatus(status, connection: nil)) ?? .internalServerError,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: JSON.serializeBytes(value)))
        )
    }
}

/// What the access line reports about one request.
struct AccessRecord: Sendable {
    let requestID: String
    let method: String
    let started: ContinuousClock.Instant
    var route = "other"
    var connection: String?
    var client: String?
    var upstreamStatus: Int?
    var errorCode: String?
    /// The caller's address as the socket saw it.
    var remoteAddress: String?
    /// Whether the answer's body streams (recorded when it ends rather than at once).
    var streamed = false
    /// Queue wait and upstream time, filled in by the connection's ``UpstreamGuard``.
    let timings = RequestTimings()
    /// The rate-limit state for the `RateLimit-*` headers, when a rate limit applied.
    var rateLimit: RateLimitStatus?
    /// The W3C trace id (``TraceContext``).
    var traceID: String?

    init(requestID: String, method: String, started: ContinuousClock.Instant) {
        self.requestID = requestID
        self.method = method
        self.started = started
    }
}

extension String {
    /// Milliseconds with three decimals from nanoseconds.
    init(format nanoseconds: Int64) {
        let micros = nanoseconds / 1_000
        let fraction = String(micros % 1_000)
        self = "\(micros / 1_000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}

extension ResponseBody {
    /// The same body, calling `completion` once it has been written (or failed).
    func withCompletion(_ completion: @escaping @Sendable ((any Error)?) -> Void) -> ResponseBody {
        ResponseBody(contentLength: self.contentLength) { writer in
            do {
                try await self.write(writer)
                completion(nil)
            } catch {
                completion(error)
                throw error
            }
        }
    }
}
