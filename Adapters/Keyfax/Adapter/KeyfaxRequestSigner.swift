import GatehouseCore
import NIOCore

/// Signs one upstream request per attempt (`UpstreamClient` calls it only for `base_url`'s
/// origin): the five-field Basic scheme with a fresh nonce and timestamp, or `Bearer {host}:{jwt}`.
struct KeyfaxRequestSigner: RequestSigner {
    enum Credential: Sendable {
        case basic(KeyfaxSigner.Keys)
        case bearer(String)
    }

    let credential: Credential
    let hostName: String
    let signer: KeyfaxSigner
    let clock: KeyfaxClock

    func sign(_ request: inout UpstreamRequest) async throws {
        switch self.credential {
        case .bearer(let token):
            request.headers[.authorization] = "Bearer \(self.hostName):\(token)"
        case .basic(let keys):
            let body: [UInt8]
            switch request.body {
            case .empty: body = []
            case .bytes(let buffer): body = Array(buffer.readableBytesView)
            case .stream: throw GatewayError(.internal, "Keyfax bodies are signed and must be buffered first")
            }
            do {
                request.headers[.authorization] = try self.signer.authorization(
                    method: request.method.rawValue,
                    url: request.url,
                    body: body,
                    hostName: self.hostName,
                    keys: keys,
                    timestamp: self.clock.signingTimestamp,
                    nonce: KeyfaxSigner.newNonce()
                )
            } catch {
                throw GatewayError(.unavailable, "the Keyfax signing key in the vault is not base64")
            }
        }
    }
}
