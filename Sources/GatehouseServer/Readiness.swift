import Synchronization

/// Whether `/readyz` answers ready. Goes false when shutdown begins or a dependency fails.
public final class Readiness: Sendable {
    private let state = Mutex<String?>("starting")

    /// Creates a not-yet-ready state.
    public init() {}

    /// Marks the gateway ready.
    public func markReady() { self.state.withLock { $0 = nil } }

    /// Marks the gateway not ready, with a reason shown by `/readyz`.
    public func markNotReady(_ reason: String) { self.state.withLock { $0 = reason } }

    /// `nil` when ready, else the reason.
    public var notReadyReason: String? { self.state.withLock { $0 } }
}
