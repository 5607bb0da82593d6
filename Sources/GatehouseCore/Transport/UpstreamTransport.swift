/// Sends outbound HTTP requests. The stock implementation is `CurlTransport` (GatehouseCurl).
///
/// ```swift
/// let response = try await transport.send(UpstreamRequest(method: .get, url: "http://127.0.0.1:9100/ping"))
/// let body = try await response.collectBody(upTo: 1 << 20)
/// ```
public protocol UpstreamTransport: Sendable {
    /// Sends `request` and returns once the response head has arrived; the body streams after.
    ///
    /// Throws ``TransportError`` for anything that prevented a response. Cancelling the calling
    /// task aborts the transfer.
    func send(_ request: UpstreamRequest) async throws -> UpstreamResponse
}
