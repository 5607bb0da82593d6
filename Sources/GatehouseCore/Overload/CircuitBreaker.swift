import Synchronization

/// A connection's circuit breaker (`circuit_breaker:`): `failures` upstream failures
/// (unreachable, timeout, a broken answer, a 5xx) inside `window_seconds` open it; while open,
/// calls fail at once with 503 `unavailable` and `Retry-After`; after `open_seconds` one probe is
/// let through (half-open) and its result closes the circuit or opens it again.
public final class CircuitBreaker: Sendable {
    /// The circuit's state, as `/admin/v1/connections` and `gatehouse_circuit_state` show it.
    public enum State: String, Sendable, CaseIterable {
        case closed
        case open
        case halfOpen = "half_open"

        /// The gauge value: 0 closed, 1 open, 2 half-open.
        public var gaugeValue: Int {
            switch self {
            case .closed: 0
            case .open: 1
            case .halfOpen: 2
            }
        }
    }

    /// Whether a call may go out.
    public enum Admission: Sendable, Equatable {
        /// Go; `probe` when this call decides a half-open circuit.
        case admitted(probe: Bool)
        /// Refused; try again after this many seconds.
        case rejected(retryAfterSeconds: Int)
    }

    /// How a call that went out ended.
    public enum Outcome: Sendable {
        /// The upstream answered below 500.
        case success
        /// Unreachable, timeout, a broken answer, or a 5xx.
        case failure
        /// Ended on our side (cancelled, refused before sending): says nothing of the upstream.
        case neutral
    }

    private struct Inner {
        var state = State.closed
        /// Recent failure instants, oldest first, at most `failures` of them.
        var failures: [ContinuousClock.Instant] = []
        var openedAt: ContinuousClock.Instant?
        var probeInFlight = false
    }

    /// The policy.
    public let policy: CircuitBreakerPolicy
    private let inner = Mutex(Inner())

    /// A closed circuit.
    public init(policy: CircuitBreakerPolicy) {
        self.policy = policy
    }

    /// The current state (an open circuit whose time is up reads as half-open).
    public func state(now: ContinuousClock.Instant = .now) -> State {
        self.inner.withLock { inner in
            if inner.state == .open, let opened = inner.openedAt, now - opened >= .seconds(self.policy.openSeconds) {
                return .halfOpen
            }
            return inner.state
        }
    }

    /// Decides whether a call may go out now.
    public func admit(now: ContinuousClock.Instant = .now) -> Admission {
        self.inner.withLock { inner in
            switch inner.state {
            case .closed:
                return .admitted(probe: false)
            case .open:
                let opened = inner.openedAt ?? now
                let open = Duration.seconds(self.policy.openSeconds)
                let elapsed = now - opened
                guard elapsed >= open else { return .rejected(retryAfterSeconds: Self.seconds(open - elapsed)) }
                inner.state = .halfOpen
                inner.probeInFlight = true
                return .admitted(probe: true)
            case .halfOpen:
                guard !inner.probeInFlight else { return .rejected(retryAfterSeconds: 1) }
                inner.probeInFlight = true
                return .admitted(probe: true)
            }
        }
    }

    /// Records how an admitted call ended.
    public func record(_ outcome: Outcome, probe: Bool, now: ContinuousClock.Instant = .now) {
        self.inner.withLock { inner in
            if probe {
                inner.probeInFlight = false
                switch outcome {
                case .success:
                    inner.state = .closed
                    inner.failures.removeAll()
                    inner.openedAt = nil
                case .failure:
                    inner.state = .open
                    inner.openedAt = now
                case .neutral:
                    break  // stays half-open: the next call probes
                }
                return
            }
            guard inner.state == .closed, case .failure = outcome else { return }
            let window = Duration.seconds(self.policy.windowSeconds)
            inner.failures.removeAll { now - $0 > window }
            inner.failures.append(now)
            if inner.failures.count > self.policy.failures {
                inner.failures.removeFirst(inner.failures.count - self.policy.failures)
            }
            if inner.failures.count >= self.policy.failures {
                inner.state = .open
                inner.openedAt = now
                inner.failures.removeAll()
            }
        }
    }

    /// Whole seconds, rounded up, at least 1.
    private static func seconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Swift.max(1, Int(seconds) + (attoseconds > 0 ? 1 : 0))
    }
}
