import GatehouseCore

/// Keyfax answers become uniform errors: the upstream's own `message` (its 401 bodies say why),
/// never its whole body.
enum KeyfaxErrors {
    static func upstream(status: Int, body: [UInt8], doing what: String, connection: String) -> GatewayError {
        let detail = Self.message(body).map { ": \($0)" } ?? ""
        switch status {
        case 401:
            return GatewayError(
                .upstreamError,
                "Keyfax refused the credentials while trying to \(what)\(detail)",
                connection: connection,
                upstreamStatus: status,
                upstreamKind: "unauthorized"
            )
        default:
            return GatewayError(
                .upstreamError, "Keyfax answered \(status) while trying to \(what)\(detail)", connection: connection,
                upstreamStatus: status)
        }
    }

    /// `message` (or `Message`) of a JSON body, bounded.
    static func message(_ body: [UInt8]) -> String? {
        guard let value = try? JSON.parse(body), let text = (value["message"] ?? value["Message"])?.stringValue else {
            return nil
        }
        return String(text.prefix(300))
    }
}
