/// Background work an adapter does without traffic (renewing tokens before they lapse). The
/// server's maintenance service calls ``maintain()`` every ``maintenanceInterval`` for each
/// connection whose adapter conforms.
///
/// ```swift
/// extension MyAdapter: ConnectionMaintenance {
///     func maintain() async { await self.tokens.refreshIfAging() }
/// }
/// ```
public protocol ConnectionMaintenance: Sendable {
    /// How often ``maintain()`` runs (default one minute).
    var maintenanceInterval: Duration { get }

    /// One round of background work; reports problems through ``ConnectionHealth``, never throws.
    func maintain() async
}

extension ConnectionMaintenance {
    public var maintenanceInterval: Duration { .seconds(60) }
}
