import Synchronization

/// A token bucket (`rate_limit: { requests_per_second: R, burst: B }`): it holds at most
/// `burst` tokens, refills at `requests_per_second`, and every admitted request takes one.
/// One bucket per client or per connection, per gateway instance (instances do not share it).
public final class RateLimiter: Sendable {
    /// What a request is told.
    public enum Decision: Sendable, Equatable {
        /// Admitted; the headers to state.
        case admitted(RateLimitStatus)
        /// Refused; the headers to state, with `Retry-After`.
        case limited(RateLimitStatus, retryAfterSeconds: Int)
    }

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    /// The policy the bucket follows.
    public let policy: RateLimitPolicy
    private let bucket: Mutex<Bucket>

    /// A full bucket.
    public init(policy: RateLimitPolicy, now: ContinuousClock.Instant = .now) {
        self.policy = policy
        self.bucket = Mutex(Bucket(tokens: Double(policy.burst), updated: now))
    }

    /// Takes a token when one is there.
    public func take(now: ContinuousClock.Instant = .now) -> Decision {
        let rate = self.policy.requestsPerSecond
        let burst = Double(self.policy.burst)
        return self.bucket.withLock { bucket in
            let elapsed = now - bucket.updated
            if elapsed > .zero {
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                bucket.tokens = Swift.min(burst, bucket.tokens + seconds * rate)
                bucket.updated = now
            }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return .admitted(self.status(tokens: bucket.tokens))
            }
            let retry = Self.seconds((1 - bucket.tokens) / rate)
            return .limited(self.status(tokens: bucket.tokens), retryAfterSeconds: Swift.max(1, retry))
        }
    }

    private func status(tokens: Double) -> RateLimitStatus {
        let burst = Double(self.policy.burst)
        return RateLimitStatus(
            limit: self.policy.burst,
            remaining: Int(tokens.rounded(.down)),
            resetSeconds: Self.seconds((burst - tokens) / self.policy.requestsPerSecond)
        )
    }

    /// Whole seconds, rounded up, within 0...86_400 (the policy's range keeps this finite).
    private static func seconds(_ value: Double) -> Int {
        guard value.isFinite, value > 0 else { return 0 }
        return Int(Swift.min(value.rounded(.up), 86_400))
    }
}

/// The `RateLimit-Limit` / `RateLimit-Remaining` / `RateLimit-Reset` values of one answer.
public struct RateLimitStatus: Sendable, Equatable {
    /// The bucket's size (`burst`).
    public var limit: Int
    /// Whole tokens left after this request.
    public var remaining: Int
    /// Seconds until the bucket is full again.
    public var resetSeconds: Int

    /// Creates a status.
    public init(limit: Int, remaining: Int, resetSeconds: Int) {
        self.limit = limit
        self.remaining = remaining
        self.resetSeconds = resetSeconds
    }
}
