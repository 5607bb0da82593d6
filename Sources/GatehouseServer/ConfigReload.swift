import CoreMetrics
import GatehouseConsole
import GatehouseCore
import Logging

/// Live config reload (SIGHUP and `POST /admin/v1/config/reload`): builds a new ``Gateway``
/// from the file through `build` and, when that succeeds, swaps it into the ``LiveGateway``
/// at once. Requests under way finish on the gateway they started with; connections whose
/// entry is unchanged keep their adapter, tokens and state
/// (``Gateway/init(configuration:registry:transport:secrets:vault:pemFiles:logger:previous:)``);
/// removed and rebuilt ones lose their maintenance loop (``MaintenanceService``) and are
/// released when their last request ends. When `build` throws, nothing changes and the
/// problems (`file:line: ...`) are logged and returned. One reload at a time.
public actor ConfigReload {
    /// What `build` produces: the new gateway and the keys that changed but take effect only on restart.
    public struct Built: Sendable {
        public var gateway: Gateway
        public var restartRequired: [String]
        /// What the operator console shows of the new file (clients, origins).
        public var console: Console.Configuration?

        /// A built gateway.
        public init(gateway: Gateway, restartRequired: [String] = [], console: Console.Configuration? = nil) {
            self.gateway = gateway
            self.restartRequired = restartRequired
            self.console = console
        }
    }

    /// Why `build` refused: every problem, each `file:line: key: message` where it has a place.
    public struct Rejection: Error, Sendable {
        public var errors: [String]
        /// A refusal with these problems.
        public init(_ errors: [String]) { self.errors = errors }
    }

    /// How one reload went.
    public struct Outcome: Sendable {
        public var applied: Bool
        public var errors: [String] = []
        public var added: [String] = []
        public var removed: [String] = []
        public var rebuilt: [String] = []
        public var kept: [String] = []
        public var restartRequired: [String] = []
        /// The serving gateway's generation afterwards (1 before any reload).
        public var generation: Int

        /// The admin API's answer.
        public var value: Value {
            var object: Value.Object = [
                "applied": .bool(self.applied), "generation": .int(self.generation),
                "connections": .object([
                    "added": .array(self.added.map(Value.string)), "removed": .array(self.removed.map(Value.string)),
                    "rebuilt": .array(self.rebuilt.map(Value.string)), "kept": .array(self.kept.map(Value.string)),
                ]),
                "restart_required": .array(self.restartRequired.map(Value.string)),
            ]
            if !self.errors.isEmpty { object["errors"] = .array(self.errors.map(Value.string)) }
            return .object(object)
        }
    }

    private let live: LiveGateway
    private let build: @Sendable (Gateway) async throws -> Built
    private let logger: Logger
    private let applied: Counter
    private let rejected: Counter
    /// The operator console, told of each applied reload.
    private var console: Console?

    /// Tells `console` of every applied reload.
    func attach(_ console: Console?) { self.console = console }

    /// Reloads into `live` through `build`, which gets the running gateway (to keep its
    /// unchanged connections) and throws ``Rejection`` (or any error, reported by its description).
    public init(live: LiveGateway, logger: Logger, build: @escaping @Sendable (Gateway) async throws -> Built) {
        self.live = live
        self.build = build
        self.logger = logger
        // Both series exist from the start, so a dashboard sees 0 rather than nothing.
        self.applied = Counter(label: "gatehouse_config_reloads_total", dimensions: [("result", "applied")])
        self.rejected = Counter(label: "gatehouse_config_reloads_total", dimensions: [("result", "rejected")])
    }

    /// Loads, checks and applies the file; `trigger` (`sighup`, `admin-api`) is logged.
    public func reload(trigger: String) async -> Outcome {
        let running = self.live.current
        let built: Built
        do {
            built = try await self.build(running)
        } catch {
            let errors = (error as? Rejection)?.errors ?? ["\(error)"]
            self.rejected.increment()
            for problem in errors {
                self.logger.error(
                    "config not reloaded; the running configuration stays",
                    metadata: ["trigger": .string(trigger), "reason": .string(problem)])
            }
            return Outcome(applied: false, errors: errors, generation: self.live.generation)
        }
        let next = built.gateway
        self.live.replace(with: next)
        if let configuration = built.console { self.console?.update(configuration: configuration) }
        self.applied.increment()
        var outcome = Outcome(applied: true, restartRequired: built.restartRequired, generation: self.live.generation)
        for name in next.connections.keys.sorted() {
            guard let old = running.connections[name] else { outcome.added.append(name); continue }
            if old.instance == next.connections[name]!.instance {
                outcome.kept.append(name)
            } else {
                outcome.rebuilt.append(name)
            }
        }
        outcome.removed = running.connections.keys.filter { next.connections[$0] == nil }.sorted()
        self.logger.notice(
            "config reloaded",
            metadata: [
                "trigger": .string(trigger), "generation": .stringConvertible(outcome.generation),
                "added": .string(outcome.added.joined(separator: ",")),
                "removed": .string(outcome.removed.joined(separator: ",")),
                "rebuilt": .string(outcome.rebuilt.joined(separator: ",")),
                "kept": .string(outcome.kept.joined(separator: ",")),
            ])
        for key in built.restartRequired {
            self.logger.warning("config change takes effect on restart", metadata: ["key": .string(key)])
        }
        return outcome
    }
}
