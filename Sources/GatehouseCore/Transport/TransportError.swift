/// Why an outbound call produced no (complete) response. The message never carries secrets.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    /// The class of failure; bounded, safe as a metric label.
    public enum Kind: String, Sendable {
        /// DNS failure, connection refused (to the upstream or the configured proxy).
        case unreachable
        /// The upstream's certificate was refused: untrusted CA, self-signed, expired, wrong name.
        case tlsVerification = "tls_verification"
        /// The TLS handshake failed otherwise: no common version or cipher, the upstream refused
        /// the client certificate (or wanted one), a proxy refused the tunnel.
        case tlsHandshake = "tls_handshake"
        /// Gatehouse's own TLS material is unusable: `ca_file` unreadable, client certificate or key
        /// unreadable or not a pair.
        case tlsConfiguration = "tls_configuration"
        /// Connect or total timeout elapsed.
        case timeout
        /// The response body exceeded the configured cap.
        case responseTooLarge = "response_too_large"
        /// The answer is not a usable HTTP response: bad or missing status, garbage, a head over
        /// `max_response_headers` / `max_response_header_bytes`, broken framing.
        case invalidResponse = "invalid_response"
        /// A header name or value contained CR, LF or NUL, or the URL was unusable.
        case invalidRequest = "invalid_request"
        /// The transfer was cancelled by the caller.
        case cancelled
        /// The transport is shut down.
        case shutdown
        /// Anything else the HTTP library reported (protocol error, connection reset mid-body).
        case failed
    }

    /// The class of failure.
    public let kind: Kind
    /// A short human-readable explanation (never contains header values).
    public let message: String

    /// Creates an error.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(self.kind.rawValue): \(self.message)" }
}
