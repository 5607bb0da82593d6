/// How long a credential's renewals pause after transient failures: 1 s after the first, then
/// doubling to at most 60 s; a success resets it. Per instance: another instance's success
/// reaches this one through the vault, as a fresh stored credential.
///
/// ```swift
/// var backoff = RenewalBackoff()
/// let delay = backoff.failed(at: now)        // 1, 2, 4 … 60 seconds
/// if let until = backoff.pausedUntil(now) { ... }  // do not call the token endpoint before `until`
/// ```
public struct RenewalBackoff: Sendable, Equatable {
    /// The longest pause, in seconds.
    public static let maximumSeconds: Int64 = 60
    private var failures = 0
    private var until: Timestamp?

    /// No failures yet.
    public init() {}

    /// Records a transient failure at `now`; the pause it starts, in seconds.
    @discardableResult
    public mutating func failed(at now: Timestamp) -> Int64 {
        self.failures = min(self.failures + 1, 32)
        let delay = min(Self.maximumSeconds, Int64(1) << min(self.failures - 1, 6))
        self.until = now.adding(seconds: delay)
        return delay
    }

    /// Records a success: the next failure pauses 1 s again.
    public mutating func succeeded() {
        self.failures = 0
        self.until = nil
    }

    /// When the pause started by the last failure ends, if it has not ended by `now`.
    public func pausedUntil(_ now: Timestamp) -> Timestamp? {
        guard let until = self.until, now < until else { return nil }
        return until
    }
}
