import GatehouseCore
import Testing

/// `RenewalBackoff`: 1 s after the first transient failure, doubling to 60 s, reset by a success.
@Suite struct RenewalBackoffTests {
    let start = Timestamp(seconds: 1_800_000_000)

    @Test func pausesDoubleUpToAMinute() {
        var backoff = RenewalBackoff()
        var delays: [Int64] = []
        for _ in 0..<9 { delays.append(backoff.failed(at: self.start)) }
        #expect(delays == [1, 2, 4, 8, 16, 32, 60, 60, 60])
    }

    @Test func aPauseEndsAtItsTime() {
        var backoff = RenewalBackoff()
        #expect(backoff.pausedUntil(self.start) == nil)
        backoff.failed(at: self.start)
        backoff.failed(at: self.start)
        #expect(backoff.pausedUntil(self.start) == self.start.adding(seconds: 2))
        #expect(backoff.pausedUntil(self.start.adding(seconds: 1)) == self.start.adding(seconds: 2))
        #expect(backoff.pausedUntil(self.start.adding(seconds: 2)) == nil)
    }

    @Test func aSuccessStartsOverAtOneSecond() {
        var backoff = RenewalBackoff()
        for _ in 0..<5 { backoff.failed(at: self.start) }
        backoff.succeeded()
        #expect(backoff.pausedUntil(self.start) == nil)
        #expect(backoff.failed(at: self.start) == 1)
    }
}
