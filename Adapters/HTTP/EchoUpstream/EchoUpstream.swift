import GatehouseCore
import GatehouseSimulation
import Hummingbird
import Synchronization

/// A small real upstream on loopback for the demo and the tests (`gatehouse simulate echo`): the
/// http adapter has no vendor protocol to simulate, so its upstream answers with what it received.
///
/// Routes: `ANY /echo/...` answers what it received as JSON; `/status/{code}`; `/bytes/{n}`
/// streams n bytes; `/stall?ms=` accepts and answers late; `/redirect?to=URL` answers 302;
/// `POST /sms` is the SMS demo endpoint behind OKIT. Every request is recorded; the shared
/// `/_sim/stats` counts them and `/_sim/reset` forgets them.
public struct EchoUpstream: Simulator {
    /// Registration for the executable's simulator list.
    public static let kind = SimulatorKind(EchoUpstream.self) { _, _ in EchoUpstream() }

    public static let name = "echo"
    public static let defaultPort = 9100
    public static let summary = "echo upstream: /echo, /status/N, /bytes/N, /stall, /redirect, /sms"
    public static let serverName = "gatehouse-echo"

    /// What the upstream received, for tests to assert on.
    public let state: RequestRecorder

    /// Creates the upstream recording into `recorder`.
    public init(recorder: RequestRecorder = RequestRecorder()) {
        self.state = recorder
    }

    public func respond(to request: Request, context: SimulatorContext) async throws -> Response {
        try await EchoRoutes.respond(to: request, peerPort: context.peerPort, recorder: self.state)
    }
}

/// Every request an ``EchoUpstream`` received.
public final class RequestRecorder: SimulatorState {
    /// One received request.
    public struct Entry: Sendable {
        public var method: String
        public var path: String
        public var query: String?
        public var headers: [(name: String, value: String)]
        public var bodyBytes: Int
        /// The caller's TCP port: equal ports mean a reused connection.
        public var peerPort: Int
        /// The body when it was at most ``SimulatorHTTP/maxBodyBytes``.
        public var body: [UInt8]?

        /// The first value of header `name` (case-insensitive).
        public func header(_ name: String) -> String? {
            self.headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    private let entries = Mutex<[Entry]>([])

    /// Creates an empty recorder.
    public init() {}

    /// Everything received so far.
    public var all: [Entry] { self.entries.withLock { $0 } }

    /// Forgets everything received so far.
    public func reset() { self.entries.withLock { $0.removeAll() } }

    func record(_ entry: Entry) { self.entries.withLock { $0.append(entry) } }
}

extension RequestRecorder {
    /// `{"requests": N}`.
    public var statsJSON: Value { ["requests": .int(self.all.count)] }
}
