/// `rate_limit: { requests_per_second: R, burst: B }` on a client or a connection.
public struct RateLimitPolicy: Sendable, Equatable {
    /// Tokens added per second (0.001 to 1,000,000).
    public var requestsPerSecond: Double
    /// The bucket's size: requests admitted at once after a quiet spell (1 to 1,000,000).
    public var burst: Int

    /// Creates a policy.
    public init(requestsPerSecond: Double, burst: Int) {
        self.requestsPerSecond = requestsPerSecond
        self.burst = burst
    }
}

/// A connection's bulkhead: `max_in_flight`, `max_queue`, `queue_timeout_ms`.
public struct BulkheadPolicy: Sendable, Equatable {
    /// Upstream calls in flight at once; `nil` is unlimited (the default except for K2).
    public var maxInFlight: Int?
    /// Callers that may wait for a slot; more get 503 at once.
    public var maxQueue: Int
    /// The longest a caller waits for a slot, then 503.
    public var queueTimeoutMilliseconds: Int

    /// Creates a policy; the defaults are unlimited, 100 waiting, 10 s.
    public init(maxInFlight: Int? = nil, maxQueue: Int = 100, queueTimeoutMilliseconds: Int = 10_000) {
        self.maxInFlight = maxInFlight
        self.maxQueue = maxQueue
        self.queueTimeoutMilliseconds = queueTimeoutMilliseconds
    }
}

/// `circuit_breaker: { failures: 5, window_seconds: 10, open_seconds: 30 }`.
public struct CircuitBreakerPolicy: Sendable, Equatable {
    /// Upstream failures inside the window that open the circuit.
    public var failures: Int
    /// The window failures are counted in.
    public var windowSeconds: Int
    /// How long the circuit stays open before one probe is let through.
    public var openSeconds: Int

    /// Creates a policy with the documented defaults.
    public init(failures: Int = 5, windowSeconds: Int = 10, openSeconds: Int = 30) {
        self.failures = failures
        self.windowSeconds = windowSeconds
        self.openSeconds = openSeconds
    }
}

/// The overload limits of one connection, as configured.
public struct ConnectionLimits: Sendable, Equatable {
    /// `rate_limit`, off when absent.
    public var rateLimit: RateLimitPolicy?
    /// The connection's own bulkhead keys; `nil` fields take the adapter's defaults.
    public var maxInFlight: Int?
    public var maxQueue: Int?
    public var queueTimeoutMilliseconds: Int?
    /// `circuit_breaker`, off when absent.
    public var circuitBreaker: CircuitBreakerPolicy?

    /// No limits.
    public init() {}

    /// The bulkhead: these keys over the adapter's defaults (K2: its `max_concurrency`).
    public func bulkhead(over defaults: BulkheadPolicy) -> BulkheadPolicy {
        BulkheadPolicy(
            maxInFlight: self.maxInFlight ?? defaults.maxInFlight,
            maxQueue: self.maxQueue ?? defaults.maxQueue,
            queueTimeoutMilliseconds: self.queueTimeoutMilliseconds ?? defaults.queueTimeoutMilliseconds
        )
    }
}
