import Synchronization

/// Requests and errors per connection over the last ``minutes`` minutes, for the console's
/// connections page: one counter per connection, in one-minute buckets on the monotonic clock.
/// Callers record only configured connections (a name from a request path is "-" unless it is
/// one); a connection added by a config reload gets its counter on its first answer, up to
/// ``maxConnections`` in all.
public final class RecentTraffic: Sendable {
    /// How many minutes are counted.
    public static let minutes = 15

    /// One connection's buckets: `minute` is the bucket's minute since ``start``.
    private struct Bucket {
        var minute: Int64 = -1
        var requests = 0
        var errors = 0
    }

    private final class Counter: Sendable {
        let buckets = Mutex([Bucket](repeating: Bucket(), count: RecentTraffic.minutes))
    }

    /// Most connections counted (names beyond it are ignored), so reloads cannot grow it without bound.
    public static let maxConnections = 4096

    private let start: ContinuousClock.Instant
    private let counters: Mutex<[String: Counter]>

    /// Counts for the connections named in `connections`, and for those first recorded later.
    public init(connections: some Sequence<String>, start: ContinuousClock.Instant = .now) {
        self.start = start
        var counters: [String: Counter] = [:]
        for name in connections { counters[name] = Counter() }
        self.counters = Mutex(counters)
    }

    private func counter(_ connection: String, creating: Bool) -> Counter? {
        self.counters.withLock { counters in
            if let counter = counters[connection] { return counter }
            guard creating, counters.count < Self.maxConnections else { return nil }
            let counter = Counter()
            counters[connection] = counter
            return counter
        }
    }

    private func minute(of instant: ContinuousClock.Instant) -> Int64 {
        max(0, (instant - self.start).components.seconds / 60)
    }

    /// Records one answer of `connection` with HTTP `status` (5xx counts as an error).
    public func record(connection: String, status: Int, at instant: ContinuousClock.Instant) {
        guard let counter = self.counter(connection, creating: true) else { return }
        let minute = self.minute(of: instant)
        let slot = Int(minute % Int64(Self.minutes))
        counter.buckets.withLock { buckets in
            if buckets[slot].minute != minute { buckets[slot] = Bucket(minute: minute) }
            buckets[slot].requests += 1
            if status >= 500 { buckets[slot].errors += 1 }
        }
    }

    /// Requests and errors of `connection` in the last ``minutes`` minutes before `now`.
    public func counts(connection: String, now: ContinuousClock.Instant = .now) -> (requests: Int, errors: Int) {
        guard let counter = self.counter(connection, creating: false) else { return (0, 0) }
        let current = self.minute(of: now)
        return counter.buckets.withLock { buckets in
            var total = (requests: 0, errors: 0)
            for bucket in buckets
            where bucket.minute >= 0 && current - bucket.minute < Int64(Self.minutes) && bucket.minute <= current {
                total.requests += bucket.requests
                total.errors += bucket.errors
            }
            return total
        }
    }
}
