import HTTPTypes
import NIOCore

/// The answer of an upstream: status and headers as soon as they arrive, the body as a stream.
public struct UpstreamResponse: Sendable {
    /// HTTP status code.
    public var status: Int
    /// Response headers as the upstream sent them (hop-by-hop headers included; callers filter).
    public var headers: HTTPFields
    /// The body, streamed with back-pressure. Drop or `cancel()` it to abort the transfer.
    public var body: ByteStream

    /// Creates a response.
    public init(status: Int, headers: HTTPFields, body: ByteStream) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Reads the whole body, failing with ``TransportError/Kind/responseTooLarge`` past `limit` bytes.
    public func collectBody(upTo limit: Int) async throws -> ByteBuffer {
        var result = ByteBuffer()
        for try await chunk in self.body {
            if result.readableBytes + chunk.readableBytes > limit {
                self.body.cancel()
                throw TransportError(.responseTooLarge, "response body exceeds \(limit) bytes")
            }
            var chunk = chunk
            result.writeBuffer(&chunk)
        }
        return result
    }
}
