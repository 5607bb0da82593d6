import GatehouseCore
import GatehouseSimulation
import Synchronization

/// The simulator's data, failure mode and what it saw, shared between its requests and tests.
public final class K2SimulatorState: Sendable {
    /// One request the simulator received, with the outcome of its signature check.
    public struct SeenRequest: Sendable {
        public var method: String
        /// The full URL as received (`http://host:port/path?query`).
        public var url: String
        /// `header`, `x-auth` or `none`.
        public var auth: String
        public var user: String?
        public var verified: Bool
    }

    /// Switchable behaviour for tests (`POST /_sim/mode`).
    public struct Mode: Sendable {
        /// Delay inside every API request (holding a thread), in milliseconds.
        public var latencyMilliseconds = 0
        /// Page URLs reported with this origin (`http://host:port`) instead of the request's.
        public var pageOrigin: String?
        /// `garbage-json`, `garbage-xml` or `html-error`: answer every API request with that.
        public var answer: String?
        /// Rows in the TestDownload report's file (about 30 bytes each).
        public var downloadRows = 4000
        /// One of seed 003's ErrorKind values: answer every API request with `[Kind]...` at `errorStatus`.
        public var errorKind: String?
        /// The HTTP status of `errorKind` answers (default 500).
        public var errorStatus = 500
        public init() {}
    }

    struct Inner {
        var store: K2Store
        var mode = Mode()
        var seen: [SeenRequest] = []
        var inFlight = 0
        var maxInFlight = 0
        var refusedBusy = 0
    }

    /// The configuration it serves with.
    public let configuration: K2Simulator.Configuration
    let inner: Mutex<Inner>

    /// Creates the state with the demo data.
    public init(_ configuration: K2Simulator.Configuration = .init()) {
        self.configuration = configuration
        self.inner = Mutex(Inner(store: .demo(parts: configuration.parts)))
    }

    /// The requests seen so far.
    public var requests: [SeenRequest] { self.inner.withLock { $0.seen } }
    /// The most API requests that were in progress at once.
    public var maxInFlight: Int { self.inner.withLock { $0.maxInFlight } }
    /// Requests refused because every licensed thread was busy.
    public var refusedBusy: Int { self.inner.withLock { $0.refusedBusy } }
    /// The current mode.
    public var mode: Mode {
        get { self.inner.withLock { $0.mode } }
        set { self.inner.withLock { $0.mode = newValue } }
    }

    /// Forgets the statistics and mode (`/_sim/reset`); the data stays as the requests left it.
    public func reset() {
        self.inner.withLock { inner in inner = Inner(store: inner.store, inFlight: inner.inFlight) }
    }

    func record(_ request: SeenRequest) { self.inner.withLock { $0.seen.append(request) } }

    /// Takes a thread, or `false` when all licensed threads are busy.
    func enter() -> Bool {
        self.inner.withLock { inner in
            guard inner.inFlight < self.configuration.threads else {
                inner.refusedBusy += 1
                return false
            }
            inner.inFlight += 1
            inner.maxInFlight = max(inner.maxInFlight, inner.inFlight)
            return true
        }
    }

    func leave() { self.inner.withLock { $0.inFlight -= 1 } }

    func withStore<T>(_ body: (inout K2Store) throws -> T) rethrows -> T {
        try self.inner.withLock { try body(&$0.store) }
    }
}

extension K2SimulatorState: SimulatorState {
    /// Requests seen, signature outcomes, the in-flight peak, as `/_sim/stats` reports them.
    public var statsJSON: Value {
        let seen = self.requests
        return [
            "requests": .int(seen.count), "verified": .int(seen.filter(\.verified).count),
            "rejected": .int(seen.filter { !$0.verified }.count), "max_in_flight": .int(self.maxInFlight),
            "refused_busy": .int(self.refusedBusy),
            "log": .array(
                seen.suffix(200).map {
                    [
                        "method": .string($0.method), "url": .string($0.url), "auth": .string($0.auth),
                        "verified": .bool($0.verified),
                    ]
                }),
        ]
    }

    public var modeJSON: Value? {
        let mode = self.mode
        return [
            "latency_ms": .int(mode.latencyMilliseconds), "page_origin": mode.pageOrigin.map(Value.string) ?? .null,
            "answer": mode.answer.map(Value.string) ?? .null, "error_kind": mode.errorKind.map(Value.string) ?? .null,
            "error_status": .int(mode.errorStatus),
        ]
    }

    /// `{"latency_ms"?, "page_origin"?, "answer"?, "error_kind"?, "error_status"?}`; absent keys take their defaults.
    public func setMode(json body: Value) throws(SimulatorRefusal) {
        var mode = K2SimulatorState.Mode()
        mode.latencyMilliseconds = max(0, min(body["latency_ms"]?.intValue ?? 0, 600_000))
        mode.pageOrigin = body["page_origin"]?.stringValue
        mode.answer = body["answer"]?.stringValue
        if let kind = body["error_kind"]?.stringValue {
            guard K2Error.Kind(rawValue: kind) != nil else {
                throw SimulatorRefusal(
                    "error_kind is one of \(K2Error.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            mode.errorKind = kind
            mode.errorStatus = max(400, min(body["error_status"]?.intValue ?? 500, 599))
        }
        self.mode = mode
    }
}
