import HTTPTypes
import NIOCore

/// One outbound HTTP call, fully formed: absolute URL as it goes on the wire, headers already
/// carrying whatever credentials the signer added.
public struct UpstreamRequest: Sendable {
    /// The HTTP method, sent verbatim.
    public var method: HTTPRequest.Method
    /// The absolute URL exactly as it is sent (scheme, host, port, path, query).
    public var url: String
    /// Request headers. `Host`, `Content-Length` and `Transfer-Encoding` are set by the transport.
    public var headers: HTTPFields
    /// The request body.
    public var body: UpstreamBody
    /// Per-connection transport knobs.
    public var options: TransportOptions
    /// Whom the call serves.
    public var purpose: Purpose

    /// Whom an upstream call serves.
    public enum Purpose: Sendable, Equatable {
        /// A caller's request (proxy, operation).
        case caller
        /// The adapter's own credential work: a token refresh or exchange, a key fetch, a token
        /// validation. An upstream 429 or 503 with `Retry-After` to one of these holds back the
        /// connection's next credential call until then.
        case credential
    }

    /// Creates a request.
    public init(
        method: HTTPRequest.Method,
        url: String,
        headers: HTTPFields = [:],
        body: UpstreamBody = .empty,
        options: TransportOptions = .init(),
        purpose: Purpose = .caller
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.options = options
        self.purpose = purpose
    }
}

/// The body of an outbound request.
public enum UpstreamBody: Sendable {
    /// No body.
    case empty
    /// A body already in memory.
    case bytes(ByteBuffer)
    /// A body streamed from the caller; `length` is sent as `Content-Length` when known,
    /// otherwise the body goes chunked.
    case stream(ByteStream, length: Int?)
}

/// Transport knobs a connection may set (Config/README.md, `connections`).
public struct TransportOptions: Sendable, Hashable {
    /// Time allowed to establish the TCP (and TLS) connection.
    public var connectTimeoutMilliseconds: Int
    /// Time allowed for the whole transfer, response body included.
    public var timeoutMilliseconds: Int
    /// Cap on the response body size; `nil` means no cap (streamed pass-through).
    public var maxResponseBytes: Int?
    /// PEM bundle of trusted CAs (`ca_file`), for the upstream and an `https://` proxy;
    /// verification itself is never turned off.
    public var caFile: String?
    /// Whether `caFile` adds to the system's CAs or replaces them (`ca_mode`).
    public var caMode: CAMode = .add
    /// The lowest TLS version negotiated with the upstream and an `https://` proxy (`tls_min_version`).
    public var tlsMinimumVersion: TLSVersion = .v1_2
    /// Explicit proxy URL; ambient `http_proxy` variables are always ignored.
    public var proxy: String?
    /// Client certificate and proxy login for this call, resolved by ``UpstreamClient``.
    public var identity: TransportIdentity?
    /// Most header lines in an answer's head (`max_response_headers`); more is an invalid answer.
    public var maxResponseHeaders: Int
    /// Most bytes in an answer's head (`max_response_header_bytes`); more is an invalid answer.
    public var maxResponseHeaderBytes: Int

    /// Creates options; the defaults are those Config/README.md documents.
    public init(
        connectTimeoutMilliseconds: Int = 5_000,
        timeoutMilliseconds: Int = 30_000,
        maxResponseBytes: Int? = nil,
        caFile: String? = nil,
        proxy: String? = nil,
        maxResponseHeaders: Int = 100,
        maxResponseHeaderBytes: Int = 64 * 1024
    ) {
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.timeoutMilliseconds = timeoutMilliseconds
        self.maxResponseBytes = maxResponseBytes
        self.caFile = caFile
        self.proxy = proxy
        self.maxResponseHeaders = maxResponseHeaders
        self.maxResponseHeaderBytes = maxResponseHeaderBytes
    }
}
