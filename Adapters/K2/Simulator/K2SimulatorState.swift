import GatehouseCore
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

    /// Forgets the statistics and mode, and restores the demo data.
    public func reset() {
        self.inner.withLock { $0 = Inner(store: .demo(parts: self.configuration.parts)) }
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
