import HTTPTypes
import Synchronization

/// A connection's protection of its upstream, applied to every call the connection sends
/// (proxy, operations, the adapter's own token and key calls): the circuit breaker first (an
/// open circuit fails at once), then a bulkhead slot (held until the answer's body is over).
public struct UpstreamGuard: Sendable {
    /// The connection's bulkhead, when `max_in_flight` is set (or its adapter sets a default).
    public let bulkhead: Bulkhead?
    /// The connection's circuit breaker, when `circuit_breaker` is configured.
    public let breaker: CircuitBreaker?
    /// When the upstream last asked (429/503 with `Retry-After`) to wait before the next
    /// credential call.
    let credentialBackoff = CredentialBackoff()
    let connection: String

    /// A guard that lets everything through.
    public static func none(connection: String) -> UpstreamGuard {
        UpstreamGuard(bulkhead: nil, breaker: nil, connection: connection)
    }

    /// Creates a guard.
    public init(bulkhead: Bulkhead?, breaker: CircuitBreaker?, connection: String) {
        self.bulkhead = bulkhead
        self.breaker = breaker
        self.connection = connection
    }

    /// Builds the guard for `connection` from its limits over the adapter's bulkhead defaults.
    public init(limits: ConnectionLimits, defaults: BulkheadPolicy, connection: String) {
        let policy = limits.bulkhead(over: defaults)
        self.init(
            bulkhead: policy.maxInFlight == nil ? nil : Bulkhead(policy: policy, connection: connection),
            breaker: limits.circuitBreaker.map { CircuitBreaker(policy: $0) },
            connection: connection
        )
    }

    /// Runs one upstream call under the guard.
    nonisolated(nonsending) func send(
        purpose: UpstreamRequest.Purpose = .caller, _ call: nonisolated(nonsending) () async throws -> UpstreamResponse
    ) async throws
        -> UpstreamResponse
    {
        if purpose == .credential, let seconds = self.credentialBackoff.remainingSeconds() {
            throw GatewayError(
                .unavailable,
                "the upstream asked to wait before the next credential call (Retry-After); try again later",
                connection: self.connection, retryAfterSeconds: seconds)
        }
        var probe = false
        if let breaker = self.breaker {
            switch breaker.admit() {
            case .admitted(let isProbe):
                probe = isProbe
            case .rejected(let seconds):
                throw GatewayError(
                    .unavailable,
                    "the upstream failed repeatedly, so calls to it are paused (circuit open); try again later",
                    connection: self.connection, retryAfterSeconds: seconds)
            }
        }
        if let bulkhead = self.bulkhead {
            let waited: Duration
            do {
                waited = try await bulkhead.acquire()
            } catch {
                self.breaker?.record(.neutral, probe: probe)
                throw error
            }
            RequestTimings.current?.addQueueWait(waited)
        }
        let started = ContinuousClock.now
        let response: UpstreamResponse
        do {
            response = try await call()
        } catch {
            self.bulkhead?.release()
            self.breaker?.record(Self.outcome(of: error), probe: probe)
            throw error
        }
        RequestTimings.current?.addUpstream(ContinuousClock.now - started)
        if purpose == .credential, response.status == 429 || response.status == 503,
            let seconds = RetryAfter.seconds(response.headers[.retryAfter]), seconds > 0
        {
            self.credentialBackoff.hold(seconds: seconds)
        }
        self.breaker?.record(response.status >= 500 ? .failure : .success, probe: probe)
        if let bulkhead = self.bulkhead { response.body.setOnEnd { bulkhead.release() } }
        return response
    }

    /// Whether a failed call says the upstream is unwell.
    static func outcome(of error: any Error) -> CircuitBreaker.Outcome {
        guard let error = error as? GatewayError else { return .neutral }
        switch error.code {
        case .upstreamUnreachable, .upstreamTimeout, .upstreamError: return .failure
        default: return .neutral
        }
    }
}

/// The instant before which a connection's credential calls are held back.
final class CredentialBackoff: Sendable {
    private let until = Mutex<ContinuousClock.Instant?>(nil)

    /// Holds credential calls back for `seconds` (bounded by ``RetryAfter/maximumSeconds``).
    func hold(seconds: Int) {
        let end = ContinuousClock.now + .seconds(Swift.min(seconds, RetryAfter.maximumSeconds))
        self.until.withLock { until in
            if until.map({ end > $0 }) ?? true { until = end }
        }
    }

    /// Whole seconds left to wait, or `nil` when calls may go.
    func remainingSeconds(now: ContinuousClock.Instant = .now) -> Int? {
        self.until.withLock { until in
            guard let end = until, end > now else {
                until = nil
                return nil
            }
            let (seconds, attoseconds) = (end - now).components
            return Swift.max(1, Int(seconds) + (attoseconds > 0 ? 1 : 0))
        }
    }
}
