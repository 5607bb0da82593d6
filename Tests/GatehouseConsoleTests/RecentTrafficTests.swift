import GatehouseCore
import Testing

@testable import GatehouseConsole

@Suite struct RecentTrafficTests {
    @Test func countsRequestsAndServerErrorsOfTheLastMinutesPerConnection() {
        let start = ContinuousClock.now
        let traffic = RecentTraffic(connections: ["a", "b"], start: start)
        traffic.record(connection: "a", status: 200, at: start)
        traffic.record(connection: "a", status: 404, at: start + .seconds(61))
        traffic.record(connection: "a", status: 502, at: start + .seconds(125))
        traffic.record(connection: "b", status: 503, at: start + .seconds(5))
        #expect(traffic.counts(connection: "a", now: start + .seconds(130)) == (3, 1))
        #expect(traffic.counts(connection: "b", now: start + .seconds(130)) == (1, 1))
        // Never recorded: nothing. Added by a reload (first recorded later): counted from then.
        #expect(traffic.counts(connection: "added", now: start) == (0, 0))
        traffic.record(connection: "added", status: 500, at: start + .seconds(5))
        #expect(traffic.counts(connection: "added", now: start + .seconds(10)) == (1, 1))
        // Fifteen minutes on, the first minute has left the window; the slot is reused cleanly.
        let later = start + .seconds(15 * 60 + 10)
        #expect(traffic.counts(connection: "a", now: later) == (2, 1))
        traffic.record(connection: "a", status: 200, at: later)
        #expect(traffic.counts(connection: "a", now: later) == (3, 1))
        #expect(traffic.counts(connection: "a", now: start + .seconds(60 * 60)) == (0, 0))
    }
}

@Suite struct RelativeTimeTests {
    static let cases: [(offset: Int64, expected: String)] = [
        (0, "just now"), (30, "just now"), (-30, "just now"), (60, "in 1 min"), (-12 * 60, "12 min ago"),
        (3 * 3600, "in 3 h"), (-3 * 3600 - 600, "3 h ago"), (3 * 86_400, "in 3 d"),
    ]

    @Test(arguments: Self.cases)
    func readsAsAnOperatorWould(offset: Int64, expected: String) {
        let now = Timestamp(seconds: 1_800_000_000)
        #expect(RelativeTime.describe(now.adding(seconds: offset), now: now) == expected)
    }

    @Test func aDifferenceTooLargeToComputeIsTheTimeItself() {
        let far = Timestamp(seconds: Int64.max)
        #expect(RelativeTime.describe(far, now: Timestamp(seconds: -10)) == far.iso8601)
    }
}
