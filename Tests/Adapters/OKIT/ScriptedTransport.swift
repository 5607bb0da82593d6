import GatehouseCore
import HTTPTypes
import NIOCore
import Synchronization

/// A transport answering from a script and recording what it was asked to send, so the
/// adapter's request building and answer rules are checked without a network (the end-to-end
/// suite covers the real path against the simulator).
final class ScriptedTransport: UpstreamTransport {
    /// One scripted outcome.
    enum Outcome: Sendable {
        case answer(status: Int, headers: HTTPFields, body: String)
        case failure(TransportError)
    }

    let outcome: Mutex<Outcome>
    let sent = Mutex<[UpstreamRequest]>([])

    init(_ outcome: Outcome) {
        self.outcome = Mutex(outcome)
    }

    static func answer(_ status: Int, _ body: String, headers: HTTPFields = [.contentType: "application/json"])
        -> ScriptedTransport
    {
        ScriptedTransport(.answer(status: status, headers: headers, body: body))
    }

    func send(_ request: UpstreamRequest) async throws -> UpstreamResponse {
        self.sent.withLock { $0.append(request) }
        switch self.outcome.withLock({ $0 }) {
        case .answer(let status, let headers, let body):
            return UpstreamResponse(status: status, headers: headers, body: ByteStream.from(ByteBuffer(string: body)))
        case .failure(let error):
            throw error
        }
    }

    var urls: [String] { self.sent.withLock { $0.map(\.url) } }
}
