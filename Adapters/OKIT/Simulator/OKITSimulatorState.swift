import GatehouseCore
import GatehouseSimulation
import Synchronization

/// What an ``OKITSimulator`` knows and has seen: issued and revoked tokens, the current mode, and
/// every validator request (for tests to count and inspect). Shared between the server and tests.
public final class OKITSimulatorState: Sendable {
    /// One request that reached the validator endpoint.
    public struct ValidationRequest: Sendable, Equatable {
        /// The raw query, exactly as received.
        public var query: String
        /// The decoded query parameters, in order.
        public var parameters: [Parameter]
        /// The request's `traceparent` header, if it carried one.
        public var traceparent: String? = nil

        /// One decoded query parameter.
        public struct Parameter: Sendable, Equatable {
            /// The parameter's name, decoded.
            public var name: String
            /// Its value, decoded.
            public var value: String
        }

        /// The first value of parameter `name` (exact spelling).
        public func parameter(_ name: String) -> String? {
            self.parameters.first { $0.name == name }?.value
        }
    }

    private struct Storage {
        /// Application prefix → client prefix → tokens.
        var tokens: [String: [String: Set<String>]]
        var revoked: Set<String> = []
        var mode: OKITSimulator.Mode
        var startingMode: OKITSimulator.Mode
        var validations = 0
        var recent: [ValidationRequest] = []
    }

    /// Most validator requests kept for inspection (the count is never capped).
    public static let keptRequests = 1000

    private let storage: Mutex<Storage>

    /// Creates the state from a configuration.
    public init(_ configuration: OKITSimulator.Configuration) {
        let tokens = configuration.applications.mapValues { clients in clients.mapValues { Set($0) } }
        self.storage = Mutex(Storage(tokens: tokens, mode: configuration.mode, startingMode: configuration.mode))
    }

    /// Whether `token` is a live token of `client` for `application` (the validator's decision).
    public func isValid(token: String, application: String, client: String) -> Bool {
        self.storage.withLock { storage in
            !storage.revoked.contains(token) && storage.tokens[application]?[client]?.contains(token) == true
        }
    }

    /// Issues `token` to `client` for `application` (OKIT Accounting's "API Token" button); an
    /// earlier revocation of the same token string is lifted.
    public func issue(token: String, application: String, client: String) {
        self.storage.withLock { storage in
            storage.tokens[application, default: [:]][client, default: []].insert(token)
            storage.revoked.remove(token)
        }
    }

    /// Revokes `token` wherever it was issued; `false` when it was never issued.
    @discardableResult
    public func revoke(_ token: String) -> Bool {
        self.storage.withLock { storage in
            let known = storage.tokens.values.contains { clients in clients.values.contains { $0.contains(token) } }
            if known { storage.revoked.insert(token) }
            return known
        }
    }

    /// The validator's current behaviour.
    public var mode: OKITSimulator.Mode {
        get { self.storage.withLock { $0.mode } }
        set { self.storage.withLock { $0.mode = newValue } }
    }

    /// How many requests reached the validator endpoint.
    public var validationCount: Int { self.storage.withLock { $0.validations } }

    /// The most recent validator requests, oldest first (at most ``keptRequests``).
    public var requests: [ValidationRequest] { self.storage.withLock { $0.recent } }

    /// Forgets the recorded requests and restores the starting mode; tokens stay as they are.
    public func reset() {
        self.storage.withLock { storage in
            storage.validations = 0
            storage.recent.removeAll()
            storage.mode = storage.startingMode
        }
    }

    /// Counts and keeps one validator request.
    func record(_ request: ValidationRequest) {
        self.storage.withLock { storage in
            storage.validations += 1
            storage.recent.append(request)
            if storage.recent.count > Self.keptRequests {
                storage.recent.removeFirst(storage.recent.count - Self.keptRequests)
            }
        }
    }
}

extension OKITSimulatorState: SimulatorState {
    /// Validator calls counted and the recent requests, as `/_sim/stats` reports them.
    public var statsJSON: Value {
        let requests: [Value] = self.requests.map { seen in
            var parameters = Value.Object()
            for parameter in seen.parameters where parameters[parameter.name] == nil {
                parameters[parameter.name] = .string(parameter.value)
            }
            return ["query": .string(seen.query), "parameters": .object(parameters)]
        }
        return ["validations": .int(self.validationCount), "requests": .array(requests)]
    }

    public var modeJSON: Value? { self.mode.json }

    public func setMode(json: Value) throws(SimulatorRefusal) {
        self.mode = try OKITSimulator.Mode(json: json)
    }
}
