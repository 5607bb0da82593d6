/// An error that reaches a caller, rendered as the uniform error body
/// `{"error": {"code", "message", "connection"?, "upstream_status"?, "upstream_kind"?, "request_id"}}`.
///
/// Messages are written for callers and never contain secrets or stack traces.
public struct GatewayError: Error, Sendable, CustomStringConvertible {
    /// The error codes callers see (listed in README.md, "How a call goes through"), each with its HTTP status.
    public enum Code: String, Sendable, CaseIterable {
        case unauthenticated
        case forbidden
        case notFound = "not_found"
        case methodNotAllowed = "method_not_allowed"
        case badRequest = "bad_request"
        case conflict
        case payloadTooLarge = "payload_too_large"
        case headerTooLarge = "header_too_large"
        case rateLimited = "rate_limited"
        case upstreamError = "upstream_error"
        case upstreamUnreachable = "upstream_unreachable"
        case upstreamTimeout = "upstream_timeout"
        case needsReauthorization = "needs_reauthorization"
        case unavailable
        case `internal`

        /// The HTTP status this code is answered with.
        public var httpStatus: Int {
            switch self {
            case .unauthenticated: 401
            case .forbidden: 403
            case .notFound: 404
            case .methodNotAllowed: 405
            case .badRequest: 400
            case .conflict: 409
            case .payloadTooLarge: 413
            case .headerTooLarge: 431
            case .rateLimited: 429
            case .upstreamError, .upstreamUnreachable: 502
            case .upstreamTimeout: 504
            case .needsReauthorization, .unavailable: 503
            case .internal: 500
            }
        }
    }

    public var code: Code
    public var message: String
    public var connection: String?
    public var upstreamStatus: Int?
    /// The upstream's own error class (e.g. K2's `AS3Error`), when it gave one.
    public var upstreamKind: String?
    /// Seconds the caller should wait before trying again (`Retry-After`), for refusals that
    /// pass: rate limits, full bulkheads, an open circuit.
    public var retryAfterSeconds: Int?
    /// The rate-limit state to state in `RateLimit-*` headers, when a rate limit applied.
    public var rateLimit: RateLimitStatus?
    /// The methods the route takes, for the `Allow` header of a 405 (RFC 9110 requires it).
    public var allowedMethods: String?

    /// 405 `method_not_allowed` for a route that takes `allow` (e.g. `"GET"`, `"GET, PUT, DELETE"`).
    public static func methodNotAllowed(_ message: String, allow: String, connection: String? = nil) -> GatewayError {
        var error = GatewayError(.methodNotAllowed, message, connection: connection)
        error.allowedMethods = allow
        return error
    }

    /// Creates an error.
    public init(
        _ code: Code,
        _ message: String,
        connection: String? = nil,
        upstreamStatus: Int? = nil,
        upstreamKind: String? = nil,
        retryAfterSeconds: Int? = nil,
        rateLimit: RateLimitStatus? = nil
    ) {
        self.code = code
        self.message = message
        self.connection = connection
        self.upstreamStatus = upstreamStatus
        self.upstreamKind = upstreamKind
        self.retryAfterSeconds = retryAfterSeconds
        self.rateLimit = rateLimit
    }

    /// A bounded description, safe as a log field or metric label.
    public var shortDescription: String { self.code.rawValue }

    public var description: String { "\(self.code.rawValue): \(self.message)" }

    /// The uniform error body.
    public func body(requestID: String) -> Value {
        var error: Value.Object = ["code": .string(self.code.rawValue), "message": .string(self.message)]
        if let connection { error["connection"] = .string(connection) }
        if let upstreamStatus { error["upstream_status"] = .int(upstreamStatus) }
        if let upstreamKind { error["upstream_kind"] = .string(upstreamKind) }
        error["request_id"] = .string(requestID)
        return .object(["error": .object(error)])
    }

    /// Attaches a connection name when the error does not carry one yet.
    public func on(connection name: String) -> GatewayError {
        var copy = self
        if copy.connection == nil { copy.connection = name }
        return copy
    }
}

extension GatewayError {
    /// Maps a transport failure onto the uniform codes.
    public init(_ transport: TransportError, connection: String?) {
        switch transport.kind {
        case .unreachable:
            self.init(
                .upstreamUnreachable, "the upstream could not be reached: \(transport.message)", connection: connection)
        case .tlsVerification, .tlsHandshake, .tlsConfiguration:
            // The upstream was reached but no HTTP exchange happened: nothing of the request was sent.
            self.init(
                .upstreamError, "TLS with the upstream failed: \(transport.message)", connection: connection,
                upstreamKind: transport.kind.rawValue)
        case .timeout:
            self.init(.upstreamTimeout, "the upstream did not answer in time", connection: connection)
        case .responseTooLarge:
            self.init(.upstreamError, "the upstream's answer exceeds max_response_bytes", connection: connection)
        case .invalidResponse:
            self.init(
                .upstreamError, "the upstream's answer is not acceptable: \(transport.message)", connection: connection)
        case .invalidRequest:
            self.init(.badRequest, "the request cannot be sent: \(transport.message)", connection: connection)
        case .cancelled:
            self.init(.unavailable, "the request was cancelled", connection: connection)
        case .shutdown:
            self.init(.unavailable, "the gateway is shutting down", connection: connection)
        case .failed:
            self.init(.upstreamError, "the upstream exchange failed: \(transport.message)", connection: connection)
        }
    }
}
