import NIOCore

/// Sends a connection's calls with an obtained credential, renewing once and retrying once when
/// the upstream answers 401 to a credential believed fresh (revoked early, rotated by another
/// client, or expired by a clock Gatehouse disagrees with). The retry carries the renewed
/// credential; a second 401 is returned as it is.
///
/// A streamed request body is read into memory first (up to the client's `max_response_bytes`):
/// a retried request must be sendable twice.
///
/// ```swift
/// let authorizer = RequestAuthorizer(client: client, credential: credential) { BearerSigner(token: $0) }
/// let response = try await authorizer.send(request)
/// ```
public struct RequestAuthorizer: Sendable {
    /// The connection's client, without a signer: the credential's signer is added per call.
    public let client: UpstreamClient
    /// The credential sent.
    public let credential: ObtainedCredential
    private let signer: @Sendable (Secret) -> any RequestSigner

    /// Creates an authorizer signing each call with `signer(credential)`.
    public init(
        client: UpstreamClient, credential: ObtainedCredential,
        signer: @escaping @Sendable (Secret) -> any RequestSigner
    ) {
        self.client = client
        self.credential = credential
        self.signer = signer
    }

    /// Sends `request` with the credential; on 401, renews it once and sends once more.
    public func send(_ request: UpstreamRequest) async throws -> UpstreamResponse {
        var request = request
        request.body = try await self.replayable(request.body)
        let used = try await self.credential.current()
        let response = try await self.client.signed(by: self.signer(used)).send(request)
        guard response.status == 401 else { return response }
        response.body.cancel()
        let renewed = try await self.credential.current(rejecting: used)
        return try await self.client.signed(by: self.signer(renewed)).send(request)
    }

    private func replayable(_ body: UpstreamBody) async throws -> UpstreamBody {
        guard case .stream(let stream, _) = body else { return body }
        var buffer = ByteBuffer()
        for try await chunk in stream {
            var chunk = chunk
            buffer.writeBuffer(&chunk)
            guard buffer.readableBytes <= self.client.maxResponseBytes else {
                stream.cancel()
                throw GatewayError(.payloadTooLarge, "request body too large", connection: self.client.connection)
            }
        }
        return .bytes(buffer)
    }
}
