import GatehouseCore

extension GatewayResponder {
    /// What a caller not (yet) known to be anyone sees of `error` from a route it reached without
    /// credentials (a web hook, an OAuth callback): every 401 is the uniform one, and a 503 keeps
    /// its code but not its message, which may name an environment variable or a vault path. The
    /// full message goes to the log, tied to the request.
    func forUnauthenticatedCaller(_ error: GatewayError, connection: String, requestID: String) -> GatewayError {
        switch error.code.httpStatus {
        case 401:
            return .unauthenticatedCaller
        case 503:
            self.logger.warning(
                "refused an unauthenticated caller",
                metadata: [
                    "request_id": .string(requestID), "connection": .string(connection),
                    "reason": .string(error.message),
                ]
            )
            return GatewayError(error.code, "not available right now; the gateway log says why", connection: connection)
        default:
            return error.on(connection: connection)
        }
    }
}
