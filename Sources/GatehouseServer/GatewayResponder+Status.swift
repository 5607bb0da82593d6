import GatehouseCore
import HTTPTypes

extension GatewayResponder {
    /// `code` as the status of a final answer. Every status built from a number that is not a
    /// constant goes through here: `HTTPResponse.Status(code:)` traps outside 0–999, and a 1xx
    /// or a code under 100 is no final answer a caller could read.
    static func finalStatus(_ code: Int, connection: String?, error: GatewayError.Code = .upstreamError) throws
        -> HTTPResponse.Status
    {
        guard (200...599).contains(code) else {
            throw GatewayError(
                error, "the answer's status \(code) is not a valid final HTTP status", connection: connection)
        }
        return HTTPResponse.Status(code: code)
    }
}
