import GatehouseCore
import GatehouseCurl
import HTTPTypes
import Logging
import NIOCore

/// A caller for end-to-end tests, sending real HTTP over loopback with the project's transport.
public final class TestClient: Sendable {
    /// An answer, read whole.
    public struct Answer: Sendable {
        public var status: Int
        public var headers: HTTPFields
        public var body: [UInt8]

        /// The body as UTF-8 text.
        public var text: String { String(decoding: self.body, as: UTF8.self) }

        /// The body parsed as JSON (`.null` when it is not JSON).
        public var json: Value { (try? JSON.parse(self.body)) ?? .null }

        /// `error.code` of a uniform error body.
        public var errorCode: String? { self.json["error"]?["code"]?.stringValue }
    }

    private let transport: CurlTransport
    /// Trusted CAs for `https://` gateways (`nil`: the system's).
    private let caFile: String?

    /// Creates a client with its own transport; `caFile` is the CA an HTTPS gateway's certificate comes from.
    public init(caFile: String? = nil) {
        var logger = Logger(label: "test.client")
        logger.logLevel = .error
        self.transport = CurlTransport(logger: logger)
        self.caFile = caFile
    }

    /// Sends a request and reads the whole answer.
    public func send(
        _ method: HTTPRequest.Method = .get,
        _ url: String,
        headers: [String: String] = [:],
        body: [UInt8]? = nil,
        timeoutMilliseconds: Int = 30_000
    ) async throws -> Answer {
        var fields = HTTPFields()
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            fields.append(HTTPField(name: HTTPField.Name(name)!, value: value))
        }
        let request = UpstreamRequest(
            method: method,
            url: url,
            headers: fields,
            body: body.map { .bytes(ByteBuffer(bytes: $0)) } ?? .empty,
            options: TransportOptions(timeoutMilliseconds: timeoutMilliseconds, caFile: self.caFile)
        )
        let response = try await self.transport.send(request)
        var collected = try await response.collectBody(upTo: 1 << 30)
        return Answer(
            status: response.status, headers: response.headers,
            body: collected.readBytes(length: collected.readableBytes) ?? [])
    }

    /// Sends a request and returns the streamed response (for large bodies).
    /// The timeout is generous: a slow reader of a large body on a loaded machine must not hit it.
    public func stream(_ url: String, headers: [String: String] = [:], timeoutMilliseconds: Int = 600_000) async throws
        -> UpstreamResponse
    {
        var fields = HTTPFields()
        for (name, value) in headers { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        return try await self.transport.send(
            UpstreamRequest(
                method: .get, url: url, headers: fields,
                options: TransportOptions(timeoutMilliseconds: timeoutMilliseconds, caFile: self.caFile)))
    }

    /// Stops the transport.
    public func shutdown() { self.transport.shutdown() }
}
