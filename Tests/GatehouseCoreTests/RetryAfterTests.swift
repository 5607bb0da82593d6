import GatehouseCore
import Testing

/// `Retry-After` from an upstream: both forms, bounded, garbage ignored.
@Suite struct RetryAfterTests {
    let now = Timestamp(iso8601: "2026-12-01T12:00:00Z")!

    @Test func deltaSecondsAreReadAndCapped() {
        #expect(RetryAfter.seconds("120", now: self.now) == 120)
        #expect(RetryAfter.seconds(" 7 ", now: self.now) == 7)
        #expect(RetryAfter.seconds("0", now: self.now) == 0)
        #expect(RetryAfter.seconds("86400", now: self.now) == RetryAfter.maximumSeconds)
        #expect(RetryAfter.seconds("99999999999999999999999999", now: self.now) == RetryAfter.maximumSeconds)
    }

    @Test func anHTTPDateIsTheTimeLeftUntilIt() {
        #expect(RetryAfter.seconds("Tue, 01 Dec 2026 12:01:30 GMT", now: self.now) == 90)
        #expect(RetryAfter.seconds("Tue, 01 Dec 2026 11:00:00 GMT", now: self.now) == 0)
        #expect(RetryAfter.seconds("Fri, 01 Jan 2027 00:00:00 GMT", now: self.now) == RetryAfter.maximumSeconds)
    }

    @Test(arguments: [
        nil, "", "soon", "-5", "1.5", "Tue, 32 Dec 2026 12:01:30 GMT", "Tue, 01 Dec 2026 25:01:30 GMT",
        "01 Dec 2026 12:01:30 GMT",
    ])
    func anythingElseIsIgnored(_ value: String?) {
        #expect(RetryAfter.seconds(value, now: self.now) == nil)
    }
}
