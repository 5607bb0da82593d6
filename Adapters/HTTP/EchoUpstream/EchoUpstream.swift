import GatehouseCore
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A small real upstream on loopback for the demo and the tests (`gatehouse simulate echo`).
///
/// Routes: `ANY /echo/...` answers what it received as JSON; `/status/{code}`; `/bytes/{n}`
/// streams n bytes; `/stall?ms=` accepts and answers late; `/redirect?to=URL` answers 302;
/// `POST /sms` is the SMS demo endpoint behind OKIT. Every request is recorded.
public struct EchoUpstream: Sendable {
    /// Registration for the executable's simulator list.
    public static let kind = SimulatorKind(
        name: "echo",
        defaultPort: 9100,
        summary: "echo upstream: /echo, /status/N, /bytes/N, /stall, /redirect, /sms"
    ) { host, port, logger, ready in
        try await EchoUpstream(host: host, port: port, logger: logger).run(onReady: ready)
    }

    /// What the upstream received, for tests to assert on.
    public let recorder: RequestRecorder
    let host: String
    let port: Int
    let logger: Logger

    /// Creates the upstream; `port` 0 picks a free one (reported through `onReady`).
    public init(host: String = "127.0.0.1", port: Int = 0, logger: Logger, recorder: RequestRecorder = RequestRecorder()) {
        self.host = host
        self.port = port
        self.logger = logger
        self.recorder = recorder
    }

    /// Serves until the task is cancelled.
    public func run(onReady: @escaping @Sendable (Int) -> Void) async throws {
        let recorder = self.recorder
        let responder = CallbackResponder<EchoContext> { request, context in
            try await EchoRoutes.respond(to: request, peerPort: context.peerPort, recorder: recorder)
        }
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname(self.host, port: self.port), serverName: "gatehouse-echo"),
            onServerRunning: { channel in onReady(channel.localAddress?.port ?? 0) },
            logger: self.logger
        )
        try await app.run()
    }
}

/// Every request an ``EchoUpstream`` received.
public final class RequestRecorder: Sendable {
    /// One received request.
    public struct Entry: Sendable {
        public var method: String
        public var path: String
        public var query: String?
        public var headers: [(name: String, value: String)]
        public var bodyBytes: Int
        /// The caller's TCP port: equal ports mean a reused connection.
        public var peerPort: Int
        /// The body when it was at most 1 MiB.
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

/// The echo upstream's request context: remembers the caller's port.
struct EchoContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let peerPort: Int

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.peerPort = source.channel.remoteAddress?.port ?? 0
    }
}
