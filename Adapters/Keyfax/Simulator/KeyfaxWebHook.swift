import GatehouseCore
import GatehouseCurl
import HTTPTypes
import Logging
import NIOCore

/// Posts new keys to a host's web hook URL, as Keyfax does after `POST /api/v1/key`.
struct KeyfaxWebHook: Sendable {
    let transport: CurlTransport
    let logger: Logger

    /// `true` when the hook answered 2xx.
    func deliver(_ keys: Value, to url: String) async -> Bool {
        let request = UpstreamRequest(
            method: .post,
            url: url,
            headers: [.contentType: "application/json"],
            body: .bytes(ByteBuffer(bytes: JSON.serializeBytes(keys))),
            options: TransportOptions(timeoutMilliseconds: 10_000)
        )
        do {
            let response = try await self.transport.send(request)
            _ = try? await response.collectBody(upTo: 1 << 16)
            if !(200..<300).contains(response.status) {
                self.logger.notice(
                    "web hook refused the keys", metadata: ["status": .stringConvertible(response.status)])
            }
            return (200..<300).contains(response.status)
        } catch {
            self.logger.notice("web hook unreachable", metadata: ["error": .string("\(error)")])
            return false
        }
    }
}
