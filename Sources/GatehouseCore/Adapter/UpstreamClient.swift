import HTTPTypes
import NIOCore
import Tracing

/// Sends a connection's upstream calls: builds URLs on `base_url`, signs only what goes to
/// `base_url`'s origin, applies the redirect policy and maps transport failures onto the
/// uniform errors. Every adapter talks to its upstream through one of these.
public struct UpstreamClient: Sendable {
    /// The connection name, attached to errors.
    public let connection: String
    /// The connection's base URL; its origin is the only one credentials go to.
    public let baseURL: BaseURL
    /// Transport knobs for every call.
    public let options: TransportOptions
    /// Whether 3xx answers are followed (credentials only ever re-added on the same origin).
    public let followRedirects: Bool
    /// Cap for bodies an adapter buffers to translate.
    public let maxResponseBytes: Int
    private let transport: any UpstreamTransport
    private let signer: any RequestSigner
    /// Client certificate and proxy login, resolved per call (`nil`: the connection has neither).
    private let identity: TransportIdentitySource?
    /// The connection's circuit breaker and bulkhead, around every call.
    public let upstreamGuard: UpstreamGuard
    /// `baseURL.prefix`, computed once: every call's URL starts with it.
    private let basePrefix: String

    /// Most redirects followed for one call.
    public static let maximumRedirects = 5

    /// Creates a client; adapters add their signer with ``signed(by:)``.
    public init(
        connection: String,
        baseURL: BaseURL,
        transport: any UpstreamTransport,
        options: TransportOptions,
        followRedirects: Bool,
        maxResponseBytes: Int,
        signer: any RequestSigner = NoSigner(),
        identity: TransportIdentitySource? = nil,
        upstreamGuard: UpstreamGuard? = nil
    ) {
        self.connection = connection
        self.baseURL = baseURL
        self.transport = transport
        self.options = options
        self.followRedirects = followRedirects
        self.maxResponseBytes = maxResponseBytes
        self.signer = signer
        self.identity = identity
        self.upstreamGuard = upstreamGuard ?? .none(connection: connection)
        self.basePrefix = baseURL.prefix
    }

    /// The same client, signing with `signer`.
    public func signed(by signer: any RequestSigner) -> UpstreamClient {
        UpstreamClient(
            connection: self.connection,
            baseURL: self.baseURL,
            transport: self.transport,
            options: self.options,
            followRedirects: self.followRedirects,
            maxResponseBytes: self.maxResponseBytes,
            signer: signer,
            identity: self.identity,
            upstreamGuard: self.upstreamGuard
        )
    }

    /// `base_url` + `path` (already percent-encoded) + `?query`.
    public func url(path: String, query: String?) -> String {
        var url = self.basePrefix
        if !path.isEmpty, !path.hasPrefix("/") { url += "/" }
        url += path
        let base = self.baseURL.query ?? ""
        let extra = query ?? ""
        if !base.isEmpty || !extra.isEmpty {
            url += "?"
            url += base
            if !base.isEmpty, !extra.isEmpty { url += "&" }
            url += extra
        }
        return url
    }

    /// Forwards a proxy call to `base_url + path`, signed.
    nonisolated(nonsending) public func forward(_ call: ProxyCall) async throws -> UpstreamResponse {
        let request = UpstreamRequest(
            method: call.method,
            url: self.url(path: call.path, query: call.query),
            headers: call.headers,
            body: call.body,
            options: self.options
        )
        return try await self.send(request)
    }

    /// Sends `request`, signing it when its URL is on the connection's origin.
    nonisolated(nonsending) public func send(_ request: UpstreamRequest) async throws -> UpstreamResponse {
        var request = request
        request.options = self.options
        var hops = 0
        while true {
            var attempt = request
            let toOrigin =
                self.isOnBase(attempt.url) || BaseURL(attempt.url).map({ $0.sameOrigin(as: self.baseURL) }) == true
            // The caller's trace goes on every call the request causes (W3C trace context).
            if let trace = TraceContext.current { trace.stamp(&attempt.headers) }
            if toOrigin { try await self.signer.sign(&attempt) }
            if let identity = self.identity { attempt.options.identity = try identity.resolve(toOrigin: toOrigin) }
            let response = try await self.transportSend(attempt)
            guard self.followRedirects, hops < Self.maximumRedirects,
                let next = Self.redirect(from: request, response: response)
            else { return response }
            response.body.cancel()
            request = next
            hops += 1
        }
    }

    /// Whether `url` is `base_url`'s prefix followed by nothing, `/...` or `?...`, with none of
    /// the bytes ``BaseURL`` refuses (whitespace, controls, `#`): then its origin is
    /// `base_url`'s by construction, without parsing it (the proxy route's URLs all look so).
    /// Anything else goes through ``BaseURL`` as before.
    func isOnBase(_ url: String) -> Bool {
        let bytes = url.utf8
        guard bytes.starts(with: self.basePrefix.utf8) else { return false }
        let rest = bytes.dropFirst(self.basePrefix.utf8.count)
        if let first = rest.first, first != UInt8(ascii: "/"), first != UInt8(ascii: "?") { return false }
        return !rest.contains { $0 <= 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "#") }
    }

    /// Sends `request` and reads the whole answer, capped at `max_response_bytes`.
    public func sendCollecting(_ request: UpstreamRequest) async throws -> (UpstreamResponse, [UInt8]) {
        let response = try await self.send(request)
        do {
            var buffer = try await response.collectBody(upTo: self.maxResponseBytes)
            return (response, buffer.readBytes(length: buffer.readableBytes) ?? [])
        } catch let error as TransportError {
            throw GatewayError(error, connection: self.connection)
        }
    }

    nonisolated(nonsending) private func transportSend(_ request: UpstreamRequest) async throws -> UpstreamResponse {
        try await GatewaySpans.upstream(request, connection: self.connection) { request in
            try await self.transportSendUntraced(request)
        }
    }

    nonisolated(nonsending) private func transportSendUntraced(_ request: UpstreamRequest) async throws
        -> UpstreamResponse
    {
        try await self.upstreamGuard.send(purpose: request.purpose) {
            do {
                return try await self.transport.send(request)
            } catch let error as TransportError {
                throw GatewayError(error, connection: self.connection)
            }
        }
    }

    /// The request that follows a 3xx answer, or `nil` when it must be returned as is.
    static func redirect(from request: UpstreamRequest, response: UpstreamResponse) -> UpstreamRequest? {
        guard [301, 302, 303, 307, 308].contains(response.status),
            let location = response.headers[.location], let current = BaseURL(request.url),
            let target = Self.resolve(location, against: current, url: request.url), BaseURL(target) != nil
        else { return nil }
        var next = request
        next.url = target
        if response.status == 303 || (response.status <= 302 && request.method != .get && request.method != .head) {
            next.method = response.status == 303 && request.method == .head ? .head : .get
            next.body = .empty
            next.headers[.contentType] = nil
        } else if case .stream = request.body {
            return nil  // a streamed body cannot be sent twice
        }
        return next
    }

    /// Resolves a `Location` value against the URL it answered.
    static func resolve(_ location: String, against current: BaseURL, url: String) -> String? {
        if location.contains("://") { return location }
        let defaultPort = current.scheme == "https" ? 443 : 80
        let authority = current.port == defaultPort ? current.host : "\(current.host):\(current.port)"
        let origin = "\(current.scheme)://\(authority)"
        if location.hasPrefix("//") { return "\(current.scheme):\(location)" }
        if location.hasPrefix("/") { return origin + location }
        // Relative to the current path's directory.
        let directory = current.path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(
            separator: "/")
        return origin + directory + "/" + location
    }
}
