import GatehouseCore
import Hummingbird
import Logging

/// A loopback server speaking one upstream's protocol, for tests and the demo
/// (`gatehouse simulate NAME`): a name, a default port, a state tests read and change while it
/// runs, and the protocol's routes. ``SimulatorServer`` serves it and answers the shared control
/// surface under `/_sim/` (``SimulatorControl``) from its ``SimulatorState``; `respond` sees
/// only the protocol.
///
/// ```swift
/// struct PingSimulator: Simulator {
///     static let name = "ping"
///     static let defaultPort = 9199
///     static let summary = "answers /ping"
///     let state = PingState()
///     func respond(to request: Request, context: SimulatorContext) async throws -> Response {
///         self.state.count()   // PingState: SimulatorState, its `statsJSON` the count
///         return SimulatorHTTP.json(["pong": true])
///     }
/// }
/// ```
public protocol Simulator: Sendable {
    /// What the simulator knows and counts.
    associatedtype State: SimulatorState

    /// Name on the command line (`gatehouse simulate NAME`).
    static var name: String { get }
    /// Port used when none is given.
    static var defaultPort: Int { get }
    /// One line for `--help`: the routes it serves.
    static var summary: String { get }
    /// The `Server` header it answers with. Defaults to `NAME-simulator`.
    static var serverName: String { get }

    /// The state, shared with the tests that started it.
    var state: State { get }

    /// Answers one request of the protocol (never one under `/_sim/`).
    func respond(to request: Request, context: SimulatorContext) async throws -> Response

    /// A control route of this simulator's own, `/_sim/{route}` beyond `stats`, `reset`, `mode`
    /// and `clock` (OKIT issuing tokens, Keyfax moving a session on), with its JSON body (`null`
    /// when absent or not JSON); `nil` when there is no such route. Defaults to none.
    func control(_ route: String, request: Request, body: Value) async throws -> Response?

    /// Releases what the simulator holds once serving ends. Defaults to nothing.
    func shutdown()
}

extension Simulator {
    public static var serverName: String { "\(Self.name)-simulator" }

    public func control(_ route: String, request: Request, body: Value) async throws -> Response? { nil }

    public func shutdown() {}
}

/// A simulator's state, as the shared control routes see it. The four mean the same on every
/// simulator:
///
/// - `GET /_sim/stats`: ``statsJSON``, counters and what was seen.
/// - `POST /_sim/reset`: ``reset()``: counters and what was seen forgotten, mode and clock back
///   to normal; the data it serves (configured and issued tokens, keys, records) stays.
/// - `GET /_sim/mode`, `POST /_sim/mode {...}`: how it misbehaves (``modeJSON``,
///   ``setMode(json:)``); a POST sets the whole mode, absent keys taking their defaults.
/// - `GET /_sim/clock`, `POST /_sim/clock {"advance_seconds": N}` or `{"offset_seconds": N}`:
///   the simulator's own clock (``clock``), never the gateway's.
///
/// A simulator without modes or a clock answers those routes 404.
public protocol SimulatorState: AnyObject, Sendable {
    /// The `GET /_sim/stats` answer.
    var statsJSON: Value { get }
    /// Forgets counters and what was seen, and puts the mode and the clock back to normal.
    func reset()
    /// The current mode as JSON; `nil` when the simulator has no modes. Defaults to `nil`.
    var modeJSON: Value? { get }
    /// Sets the whole mode from JSON; throws ``SimulatorRefusal`` for a bad one.
    func setMode(json: Value) throws(SimulatorRefusal)
    /// The simulator's clock; `nil` when it follows real time only. Defaults to `nil`.
    var clock: SimulatorClock? { get }
}

extension SimulatorState {
    public var modeJSON: Value? { nil }

    public func setMode(json: Value) throws(SimulatorRefusal) {
        throw SimulatorRefusal("this simulator has no modes")
    }

    public var clock: SimulatorClock? { nil }
}

/// A bad control request: answered 400 with `{"error": message}`.
public struct SimulatorRefusal: Error, Sendable {
    /// What was wrong.
    public var message: String

    /// Creates a refusal.
    public init(_ message: String) { self.message = message }
}
