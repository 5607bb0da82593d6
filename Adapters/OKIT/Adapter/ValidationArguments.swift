import GatehouseCore

/// The arguments of `token.validate`: `{"token": "...", "client_prefix": "..."}`.
struct ValidationArguments {
    var token: Secret
    var clientPrefix: String

    init(_ arguments: Value, connection: String) throws {
        func bad(_ message: String) -> GatewayError { GatewayError(.badRequest, message, connection: connection) }
        guard let object = arguments.objectValue else {
            throw bad("arguments must be a JSON object {\"token\", \"client_prefix\"}")
        }
        for key in object.keys where !["token", "client_prefix"].contains(key) {
            if key == "application_prefix" || key == "applicaiontPrefix" || key == "applicationPrefix" {
                throw bad(
                    """
                    the application prefix is the connection's configuration (options.application_prefix), never \
                    an argument
                    """
                )
            }
            throw bad("unknown argument \"\(key)\" (known: token, client_prefix)")
        }
        guard let token = object["token"]?.stringValue, !token.isEmpty else {
            throw bad("argument \"token\" (a non-empty string) is required")
        }
        guard token.utf8.count <= DelegatedTokenAuthenticator<ContinuousClock>.maximumTokenBytes else {
            throw bad(
                """
                argument \"token\" is longer than \
                \(DelegatedTokenAuthenticator<ContinuousClock>.maximumTokenBytes) bytes
                """
            )
        }
        guard let prefix = object["client_prefix"]?.stringValue, !prefix.isEmpty else {
            throw bad("argument \"client_prefix\" (a non-empty string) is required")
        }
        self.token = Secret(token)
        self.clientPrefix = prefix
    }
}
