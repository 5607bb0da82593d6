import HTTPTypes

extension Gateway {
    /// One ``DelegatedTokenAuthenticator`` per validator connection named by `authenticator: token`
    /// clients (so clients sharing a validator share its cache), indexed by the client prefix
    /// header of the validator's adapter kind, then by client prefix.
    static func tokenAuthenticators(
        configuration: GatewayConfiguration,
        registry: AdapterRegistry,
        connections: [String: ConnectionRuntime]
    ) throws(ConfigError) -> [(
        header: HTTPField.Name, byPrefix: [String: DelegatedTokenAuthenticator<ContinuousClock>]
    )] {
        var principalsByValidator: [String: [String: Principal]] = [:]
        for client in configuration.clients {
            guard case .token(let validator, let prefixes, let key) = client.authenticator else { continue }
            guard let runtime = connections[validator], runtime.adapter is any TokenValidator,
                registry.kind(named: runtime.adapterName)?.clientPrefixHeader != nil
            else {
                let adapter = connections[validator].map { " (adapter \($0.adapterName))" } ?? ""
                throw ConfigError(
                    file: configuration.file,
                    line: client.line,
                    path: "clients.\(client.name).\(key)",
                    message:
                        """
                        connection \"\(validator)\"\(adapter) cannot validate tokens; \(key) must name a \
                        connection whose adapter is a token validator
                        """
                )
            }
            for prefix in prefixes {
                // The principal is the client prefix: the caller's identity as its validator knows it.
                principalsByValidator[validator, default: [:]][prefix] = Principal(
                    name: prefix, connections: Set(client.connections))
            }
        }
        var result: [(header: HTTPField.Name, byPrefix: [String: DelegatedTokenAuthenticator<ContinuousClock>])] = []
        for (connection, principals) in principalsByValidator.sorted(by: { $0.key < $1.key }) {
            guard let runtime = connections[connection], let validator = runtime.adapter as? any TokenValidator,
                let header = registry.kind(named: runtime.adapterName)?.clientPrefixHeader
            else { continue }
            let authenticator = DelegatedTokenAuthenticator(
                connection: connection,
                clientPrefixHeader: header,
                validator: validator,
                principals: principals,
                cache: TokenVerdictCache(clock: ContinuousClock(), maximumPending: validator.maximumPendingValidations)
            )
            if let index = result.firstIndex(where: { $0.header == header }) {
                for prefix in principals.keys { result[index].byPrefix[prefix] = authenticator }
            } else {
                result.append((header, Dictionary(uniqueKeysWithValues: principals.keys.map { ($0, authenticator) })))
            }
        }
        return result
    }
}
