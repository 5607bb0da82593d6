/// A request admitted under a rate limit: the state to report in `RateLimit-*` headers.
public struct RateLimitedAdmission: Sendable, Equatable {
    /// Whose limit refused a request.
    public enum Scope: String, Sendable {
        case client
        case connection
    }

    /// A refusal: the 429 to answer, and whose limit it was (for `gatehouse_rate_limited_total`).
    public struct Refusal: Error, Sendable {
        public let scope: Scope
        public let error: GatewayError
    }

    /// The tighter of the caller's and the connection's state after this request.
    public let status: RateLimitStatus
}
