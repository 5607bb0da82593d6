import Synchronization

/// Where a request's time went, for its access line and metrics: waiting for a bulkhead slot
/// versus talking to the upstream (until its answer's head). Set for the request's task by the
/// server; ``UpstreamGuard`` adds to it.
public final class RequestTimings: Sendable {
    /// The timings of the request the current task serves, if any.
    @TaskLocal public static var current: RequestTimings?

    private let queueNanoseconds = Atomic<Int64>(0)
    private let upstreamNanoseconds = Atomic<Int64>(0)

    /// Zero timings.
    public init() {}

    /// Adds time spent waiting for a slot.
    public func addQueueWait(_ duration: Duration) {
        self.queueNanoseconds.add(Self.nanoseconds(duration), ordering: .relaxed)
    }

    /// Adds time spent on an upstream call.
    public func addUpstream(_ duration: Duration) {
        self.upstreamNanoseconds.add(Self.nanoseconds(duration), ordering: .relaxed)
    }

    /// Total queue wait so far.
    public var queueWait: Int64 { self.queueNanoseconds.load(ordering: .relaxed) }

    /// Total upstream time so far.
    public var upstream: Int64 { self.upstreamNanoseconds.load(ordering: .relaxed) }

    /// Nanoseconds of a duration, clamped to 0...one day (a request never waits longer).
    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        guard seconds < 86_400 else { return 86_400_000_000_000 }
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
