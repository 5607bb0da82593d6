import GatehouseCore
import GatehouseCrypto
import Logging
import ServiceLifecycle

/// Credential health alerts (`alerts:`): looks at every connection's ``ConnectionHealth`` each
/// `interval` and turns changes into events — `connection.state_changed` when a connection
/// goes to `needs_reauthorization` or `failing` or back to `ok` (`refreshing` is a passing
/// state, not a change), and `credential.expiry_warning` when its adapter starts warning that an
/// obtained credential lapses soon. Each event is logged (`msg=alert`) and, with a web hook,
/// posted signed (``WebhookSender``). Follows config reloads; a new connection starts from `ok`.
public struct AlertService: Service {
    let live: LiveGateway
    let sender: WebhookSender?
    let interval: Duration
    let logger: Logger

    /// Watches `live`, posting through `sender` when given.
    public init(live: LiveGateway, sender: WebhookSender?, interval: Duration, logger: Logger) {
        self.live = live
        self.sender = sender
        self.interval = interval
        self.logger = logger
    }

    /// What was last seen of one connection.
    struct Seen: Equatable {
        var state: ConnectionHealth.State = .ok
        var warning: String?
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                if let sender = self.sender { group.addTask { await sender.run() } }
                var seen: [UInt64: Seen] = [:]
                while !Task.isCancelled {
                    seen = self.check(self.live.current, seen: seen)
                    try? await Task.sleep(for: self.interval)
                }
                self.sender?.finish()
            }
        }
    }

    /// One look at every connection: the events since `seen`, and what is seen now.
    func check(_ gateway: Gateway, seen: [UInt64: Seen]) -> [UInt64: Seen] {
        var next: [UInt64: Seen] = [:]
        for name in gateway.connections.keys.sorted() {
            let runtime = gateway.connections[name]!
            let report = runtime.health.current
            var before = seen[runtime.instance] ?? Seen()
            if report.state != .refreshing, report.state != before.state {
                self.emit(.stateChanged(previous: before.state), runtime: runtime, report: report)
                before.state = report.state
            }
            if report.warning != before.warning {
                if report.warning != nil { self.emit(.expiryWarning, runtime: runtime, report: report) }
                before.warning = report.warning
            }
            next[runtime.instance] = before
        }
        return next
    }

    private func emit(_ kind: AlertEvent.Kind, runtime: ConnectionRuntime, report: ConnectionHealth.Report) {
        let event = AlertEvent(
            kind: kind, connection: runtime.name, adapter: runtime.adapterName, report: report, at: .now())
        var metadata: Logger.Metadata = [
            "event": .string(event.name), "connection": .string(runtime.name), "state": .string(report.state.rawValue),
            "delivery": .string(event.id),
        ]
        if case .stateChanged(let previous) = kind { metadata["previous_state"] = .string(previous.rawValue) }
        if let error = report.lastError { metadata["last_error"] = .string(error) }
        if let warning = report.warning { metadata["warning"] = .string(warning) }
        self.logger.notice("alert", metadata: metadata)
        self.sender?.enqueue(event)
    }
}

/// One alert as it is posted: `{"id", "event", "at", "connection", "adapter", "state",
/// "previous_state"?, "last_error", "last_error_at"?, "warning"?, "expiries"}` — the health
/// report's own fields, which hold error classes and expiry times, never a credential.
public struct AlertEvent: Sendable {
    /// What happened.
    public enum Kind: Sendable, Equatable {
        case stateChanged(previous: ConnectionHealth.State)
        case expiryWarning
    }

    public let kind: Kind
    public let connection: String
    public let adapter: String
    public let report: ConnectionHealth.Report
    public let at: Timestamp
    /// The delivery id (`X-Gatehouse-Delivery`): the same on every retry, so receivers can drop repeats.
    public let id: String

    init(kind: Kind, connection: String, adapter: String, report: ConnectionHealth.Report, at: Timestamp) {
        self.kind = kind
        self.connection = connection
        self.adapter = adapter
        self.report = report
        self.at = at
        self.id = Hex.encode(SecureRandom.bytes(16))
    }

    /// `connection.state_changed` or `credential.expiry_warning`.
    public var name: String {
        switch self.kind {
        case .stateChanged: "connection.state_changed"
        case .expiryWarning: "credential.expiry_warning"
        }
    }

    /// The JSON body.
    public var body: [UInt8] {
        var object: Value.Object = [
            "id": .string(self.id), "event": .string(self.name), "at": .string(self.at.iso8601),
            "connection": .string(self.connection), "adapter": .string(self.adapter),
        ]
        if case .object(let report) = self.report.value {
            for member in report.members { object[member.key] = member.value }
        }
        if case .stateChanged(let previous) = self.kind { object["previous_state"] = .string(previous.rawValue) }
        return JSON.serializeBytes(.object(object))
    }
}
