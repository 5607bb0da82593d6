import GatehouseCore
import Testing

@Suite struct RateLimiterTests {
    let start = ContinuousClock.now

    @Test func aFullBucketAdmitsTheBurstThenRefusesWithRetryAfter() {
        let limiter = RateLimiter(policy: RateLimitPolicy(requestsPerSecond: 2, burst: 3), now: self.start)
        #expect(limiter.take(now: self.start) == .admitted(RateLimitStatus(limit: 3, remaining: 2, resetSeconds: 1)))
        #expect(limiter.take(now: self.start) == .admitted(RateLimitStatus(limit: 3, remaining: 1, resetSeconds: 1)))
        #expect(limiter.take(now: self.start) == .admitted(RateLimitStatus(limit: 3, remaining: 0, resetSeconds: 2)))
        #expect(
            limiter.take(now: self.start)
                == .limited(RateLimitStatus(limit: 3, remaining: 0, resetSeconds: 2), retryAfterSeconds: 1))
    }

    /// The look used to answer refusals early takes nothing and agrees with `take`.
    @Test func aLookAtTheBucketTakesNoTokenAndRefusesAsTakeWould() {
        let limiter = RateLimiter(policy: RateLimitPolicy(requestsPerSecond: 2, burst: 2), now: self.start)
        #expect(limiter.refusal(now: self.start) == nil)
        #expect(limiter.refusal(now: self.start) == nil)
        #expect(limiter.refusal(now: self.start) == nil)
        guard case .admitted = limiter.take(now: self.start), case .admitted = limiter.take(now: self.start) else {
            Issue.record("a look took a token"); return
        }
        let refused = RateLimiter.Decision.limited(
            RateLimitStatus(limit: 2, remaining: 0, resetSeconds: 1), retryAfterSeconds: 1)
        #expect(limiter.refusal(now: self.start) == refused)
        #expect(limiter.take(now: self.start) == refused)
        // Half a second later a token is back for the look and for `take` alike.
        let later = self.start + .milliseconds(500)
        #expect(limiter.refusal(now: later) == nil)
        guard case .admitted = limiter.take(now: later) else { Issue.record("expected a token"); return }
        #expect(limiter.refusal(now: later) != nil)
    }

    @Test func tokensComeBackAtTheRateAndNeverBeyondTheBurst() {
        let limiter = RateLimiter(policy: RateLimitPolicy(requestsPerSecond: 1, burst: 2), now: self.start)
        _ = limiter.take(now: self.start)
        _ = limiter.take(now: self.start)
        guard case .limited(_, let retry) = limiter.take(now: self.start) else {
            Issue.record("expected a refusal"); return
        }
        #expect(retry == 1)
        // One second later one token is back.
        guard case .admitted(let status) = limiter.take(now: self.start + .seconds(1)) else {
            Issue.record("expected a token"); return
        }
        #expect(status.remaining == 0)
        // An hour of quiet refills to the burst, not beyond.
        guard case .admitted(let later) = limiter.take(now: self.start + .seconds(3600)) else {
            Issue.record("expected a token"); return
        }
        #expect(later.remaining == 1)
    }

    @Test func aSlowRateTellsTheCallerToWaitLonger() {
        let limiter = RateLimiter(policy: RateLimitPolicy(requestsPerSecond: 0.1, burst: 1), now: self.start)
        _ = limiter.take(now: self.start)
        #expect(
            limiter.take(now: self.start)
                == .limited(RateLimitStatus(limit: 1, remaining: 0, resetSeconds: 10), retryAfterSeconds: 10))
    }

    @Test func aClockGoingBackwardsAddsNoTokens() {
        let limiter = RateLimiter(policy: RateLimitPolicy(requestsPerSecond: 1, burst: 1), now: self.start)
        _ = limiter.take(now: self.start)
        if case .admitted = limiter.take(now: self.start - .seconds(100)) {
            Issue.record("a backwards clock must not refill")
        }
    }
}
