import Synchronization

/// The credential health of one connection, reported by its adapter and shown by
/// `GET /admin/v1/connections` and the `gatehouse_connection_state` metric.
///
/// Adapters that hold no obtained credentials never touch it and stay ``State/ok``.
///
/// ```swift
/// setup.health.update { $0.state = .refreshing }
/// setup.health.update { $0.state = .needsReauthorization; $0.lastError = "invalid_grant" }
/// ```
public final class ConnectionHealth: Sendable {
    /// The states `GET /admin/v1/connections` reports (Config/README.md).
    public enum State: String, Sendable, CaseIterable {
        case ok
        case refreshing
        case needsReauthorization = "needs_reauthorization"
        case failing
    }

    /// What an adapter reports: state, the last error class and its obtained tokens' expiries.
    public struct Report: Sendable, Equatable {
        /// The current state.
        public var state: State = .ok
        /// A bounded error class (e.g. `invalid_grant`, `upstream_unreachable`), never a message with secrets.
        public var lastError: String?
        /// When ``lastError`` happened.
        public var lastErrorAt: Timestamp?
        /// Obtained credentials by name (`access_token`, `refresh_token`) and when each expires.
        public var expiries: [String: Timestamp] = [:]
        /// A warning for the operator (e.g. the refresh token lapses soon), shown and exported.
        public var warning: String?

        /// An `ok` report.
        public init() {}

        /// The report as the admin API shows it.
        public var value: Value {
            var object: Value.Object = ["state": .string(self.state.rawValue)]
            object["last_error"] = self.lastError.map(Value.string) ?? .null
            if let lastErrorAt { object["last_error_at"] = .string(lastErrorAt.iso8601) }
            var expiries = Value.Object()
            for name in self.expiries.keys.sorted() { expiries[name] = .string(self.expiries[name]!.iso8601) }
            object["expiries"] = .object(expiries)
            if let warning { object["warning"] = .string(warning) }
            return .object(object)
        }
    }

    private let report = Mutex(Report())

    /// A connection in state `ok`.
    public init() {}

    /// The current report.
    public var current: Report { self.report.withLock { $0 } }

    /// Changes the report under the lock.
    public func update(_ change: (inout Report) -> Void) {
        self.report.withLock { change(&$0) }
    }

    /// Records a failure of class `error` (bounded, metric-safe) in state `state`.
    public func fail(_ state: State, error: String, at time: Timestamp) {
        self.update { report in
            report.state = state
            report.lastError = error
            report.lastErrorAt = time
        }
    }
}
