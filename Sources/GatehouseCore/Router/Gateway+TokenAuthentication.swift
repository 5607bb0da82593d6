extension Gateway {
    /// One ``DelegatedTokenAuthenticator`` per OKIT connection named by `okit` clients (so clients
    /// sharing a connection share its cache), indexed by client prefix.
    static func tokenAuthenticators(
        configuration: GatewayConfiguration,
        connections: [String: ConnectionRuntime]
    ) throws(ConfigError) -> [String: DelegatedTokenAuthenticator<ContinuousClock>] {
        var principalsByConnection: [String: [String: Principal]] = [:]
        for client in configuration.clients {
            guard case .okit(let connection, let prefixes) = client.authenticator else { continue }
            guard let runtime = connections[connection], runtime.adapter is any TokenValidator else {
                throw ConfigError(
                    file: configuration.file,
                    line: client.line,
                    path: "clients.\(client.name).okit_connection",
                    message: "connection \"\(connection)\" cannot validate tokens"
                )
            }
            for prefix in prefixes {
                // The principal is the client prefix: the caller's identity as OKIT knows it.
                principalsByConnection[connection, default: [:]][prefix] = Principal(name: prefix, connections: Set(client.connections))
            }
        }
        var result: [String: DelegatedTokenAuthenticator<ContinuousClock>] = [:]
        for (connection, principals) in principalsByConnection {
            guard let validator = connections[connection]?.adapter as? any TokenValidator else { continue }
            let authenticator = DelegatedTokenAuthenticator(
                connection: connection,
                validator: validator,
                principals: principals,
                cache: TokenVerdictCache(clock: ContinuousClock(), maximumPending: validator.maximumPendingValidations)
            )
            for prefix in principals.keys { result[prefix] = authenticator }
        }
        return result
    }
}
