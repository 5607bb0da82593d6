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
        self.bucket.withLock { bucket in
            self.refill(&bucket, now: now)
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return .admitted(self.status(tokens: bucket.tokens))
            }
            return self.refused(tokens: bucket.tokens)
        }
    }

    /// The refusal ``take(now:)`` would give now, without taking anything: `nil` when a token is
    /// there (the request would be admitted). Refilling first is what `take` does too, so a
    /// later `take` sees the same bucket.
    public func refusal(now: ContinuousClock.Instant = .now) -> Decision? {
        self.bucket.withLock { bucket in
            self.refill(&bucket, now: now)
            guard bucket.tokens < 1 else { return nil }
            return self.refused(tokens: bucket.tokens)
        }
    }

    /// Adds what `now` earned since the last update, up to the burst (a clock going backwards adds nothing).
    private func refill(_ bucket: inout Bucket, now: ContinuousClock.Instant) {
        let elapsed = now - bucket.updated
        guard elapsed > .zero else { return }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        bucket.tokens = Swift.min(Double(self.policy.burst), bucket.tokens + seconds * self.policy.requestsPerSecond)
        bucket.updated = now
    }

    /// The refusal with `tokens` (under one) in the bucket: `Retry-After` until one is back.
    private func refused(tokens: Double) -> Decision {
        let retry = Self.seconds((1 - tokens) / self.policy.requestsPerSecond)
        return .limited(self.status(tokens: tokens), retryAfterSeconds: Swift.max(1, retry))
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
