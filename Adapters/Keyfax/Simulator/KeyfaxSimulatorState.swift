import GatehouseCore
import GatehouseSimulation
import GatehouseCrypto
import Synchronization

/// Everything the simulated Keyfax server remembers: keys per host (current and pending),
/// nonces seen, sessions, its clock offset, and counters tests read through `/_sim/stats`.
public final class KeyfaxSimulatorState: Sendable {
    /// A host's key pair.
    public struct Keys: Sendable, Equatable {
        public var apiKey: String
        /// Base64 of 64 random bytes.
        public var signingKey: String

        static func generate() -> Keys {
            Keys(apiKey: Self.uuid(), signingKey: Base64.encode(SecureRandom.bytes(64)))
        }

        static func uuid() -> String {
            let hex = Hex.encode(SecureRandom.bytes(16))
            let characters = Array(hex)
            return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
        }
    }

    /// A start-up session.
    public enum SessionState: String, Sendable { case created, launched, completed, cancelled }

    struct Session: Sendable {
        var company: String
        var state: SessionState
    }

    struct Host: Sendable {
        var current: Keys?
        /// Keys from POST /api/v1/key, valid beside `current` until first used.
        var pending: Keys?
    }

    struct Stats: Sendable {
        var nonceReuses = 0
        var acceptedByAPIKey: [String: Int] = [:]
        var rejections: [String] = []
        var tokensIssued = 0
        var tokensRenewed = 0
        var keyRotations = 0
        var webHookDeliveries = 0
        /// How each start-up request carried its data: `json`, `startup_xml_field:{root}` or `xml_body:{root}`.
        var startupForms: [String] = []
    }

    struct Data: Sendable {
        var hosts: [String: Host]
        var webHooks: [String: String]
        var nonces: [String: Int64] = [:]
        var sessions: [String: Session] = [:]
        var stats = Stats()
    }

    /// The configuration it started with.
    public let configuration: KeyfaxSimulator.Configuration
    let data: Mutex<Data>
    /// The simulator's clock (`/_sim/clock`): real time moved by tests.
    let time = SimulatorClock()

    /// A fresh server with no keys issued yet.
    public init(_ configuration: KeyfaxSimulator.Configuration) {
        self.configuration = configuration
        self.data = Mutex(
            Data(
                hosts: Dictionary(uniqueKeysWithValues: configuration.hosts.keys.map { ($0, Host()) }),
                webHooks: configuration.hosts.compactMapValues { $0 }
            )
        )
    }

    /// The simulator's clock, in seconds: the real time moved by tests.
    public var now: Int64 { self.time.now.seconds }

    /// Points `host`'s web hook at `url` (tests learn the gateway's port after starting it).
    public func setWebHook(_ url: String?, for host: String) { self.data.withLock { $0.webHooks[host] = url } }

    /// Forgets `host`'s keys, as an operator resetting them upstream would (for tests).
    public func forgetKeys(host: String) { self.data.withLock { $0.hosts[host] = .init() } }

    /// The current keys of `host` (for tests).
    public func currentKeys(host: String) -> Keys? { self.data.withLock { $0.hosts[host]?.current } }
}

extension KeyfaxSimulatorState: SimulatorState {
    public var clock: SimulatorClock? { self.time }

    /// The counters, as `/_sim/stats` reports them.
    public var statsJSON: Value {
        let stats = self.data.withLock { $0.stats }
        return [
            "nonce_reuses": .int(stats.nonceReuses), "tokens_issued": .int(stats.tokensIssued),
            "tokens_renewed": .int(stats.tokensRenewed),
            "key_rotations": .int(stats.keyRotations), "web_hook_deliveries": .int(stats.webHookDeliveries),
            "accepted_by_api_key": .object(Value.Object(stats.acceptedByAPIKey.map { .init($0.key, .int($0.value)) })),
            "rejections": .array(stats.rejections.map { .string($0) }),
            "startup_forms": .array(stats.startupForms.map { .string($0) }),
        ]
    }

    /// Zeroes the counters and puts the clock back; keys, sessions and web hooks stay.
    public func reset() {
        self.data.withLock { $0.stats = Stats() }
        self.time.reset()
    }
}
