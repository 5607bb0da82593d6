import Synchronization

/// Whether `/readyz` answers ready: ready when no condition is failing. Conditions are named
/// (`starting`, `shutdown`, `vault`), so one recovering does not hide another.
public final class Readiness: Sendable {
    private let failing = Mutex<[String: String]>(["starting": "starting"])

    /// Creates a not-yet-ready state (condition `starting`).
    public init() {}

    /// The server listens: clears `starting`.
    public func markReady() { self.set("starting", failing: nil) }

    /// Shutdown began: not ready from now on.
    public func markNotReady(_ reason: String) { self.set("shutdown", failing: reason) }

    /// Marks condition `name` as failing with `reason`, or healthy when `reason` is `nil`.
    public func set(_ name: String, failing reason: String?) {
        self.failing.withLock { $0[name] = reason }
    }

    /// `nil` when ready, else the failing reasons.
    public var notReadyReason: String? {
        self.failing.withLock { failing in
            failing.isEmpty ? nil : failing.keys.sorted().compactMap { failing[$0] }.joined(separator: "; ")
        }
    }
}
