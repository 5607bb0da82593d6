import GatehouseCore
import HTTPTypes
import NIOCore

/// The generic REST upstream: forwards calls and adds one credential header, built from a
/// template (`Bearer {token}`) or as HTTP Basic.
public struct HTTPAdapter: Adapter {
    /// The registration used by the executable's built-in list.
    public static let kind = AdapterKind(name: "http") { setup in try HTTPAdapter(setup: setup) }

    private let client: UpstreamClient
    let connection: String
    /// Headers the `request` operation never forwards, as on the proxy route.
    private let credentialHeaders: Set<String>

    /// Builds the adapter for one connection, validating its options.
    public init(setup: AdapterSetup) throws {
        var options = try setup.options()
        let signer = try HeaderSigner(options: &options, setup: setup)
        try options.finish()
        self.client = setup.client.signed(by: signer)
        self.connection = setup.connection.name
        self.credentialHeaders = setup.inboundCredentialHeaders
    }

    public func proxy(_ call: ProxyCall) async throws -> UpstreamResponse {
        try await self.client.forward(call)
    }

    /// `request`: `{method?, path, query?: {..}, headers?: {..}, body?}` → the upstream's JSON
    /// answer as `data` (text when it is not JSON).
    func request(_ arguments: Value) async throws -> Envelope {
        let request = try RequestArguments(
            arguments, connection: self.connection, credentialHeaders: self.credentialHeaders)
        let (response, bytes) = try await self.client.sendCollecting(
            UpstreamRequest(
                method: request.method,
                url: self.client.url(path: request.path, query: request.query),
                headers: request.headers,
                body: request.body
            )
        )
        let data: Value = (try? JSON.parse(bytes)) ?? .string(String(decoding: bytes, as: UTF8.self))
        guard (200..<300).contains(response.status) else {
            throw GatewayError(
                .upstreamError,
                "the upstream answered \(response.status)",
                connection: self.connection,
                upstreamStatus: response.status
            )
        }
        return Envelope(data: data, upstreamStatus: response.status)
    }
}
