extension GatewayConfiguration {
    /// Reads the keys of an `authenticator: token` client: `validator` (a connection whose
    /// adapter validates tokens, checked when the gateway is built) and `client_prefixes` (each
    /// prefix identifies one client across the file). `authenticator: okit` is the same with
    /// the validator under `validatorKey` `okit_connection`.
    static func tokenAuthenticator(
        _ map: inout ConfigMap,
        validatorKey: String,
        connections: [Connection],
        earlier: [Client]
    ) throws(ConfigError) -> Client.Authenticator {
        if let hash = map.node("key_sha256") {
            throw hash.error("key_sha256 belongs to api_key clients; a token client is admitted by its validator")
        }
        let connectionNode = try map.required(validatorKey)
        let name = try connectionNode.scalar(expecting: "a connection name")
        guard connections.contains(where: { $0.name == name }) else {
            throw connectionNode.error("unknown connection \"\(name)\"")
        }
        let prefixesNode = try map.required("client_prefixes")
        let prefixes = try map.stringList("client_prefixes") ?? []
        guard !prefixes.isEmpty else { throw prefixesNode.error("list at least one client prefix") }
        let elements = try prefixesNode.list()
        for (index, prefix) in prefixes.enumerated() {
            let element = index < elements.count ? elements[index] : prefixesNode
            guard self.validClientPrefix(prefix) else {
                throw element.error("a client prefix is 1 to 128 visible ASCII characters without spaces")
            }
            for client in earlier {
                if case .token(_, let theirs, _) = client.authenticator, theirs.contains(prefix) {
                    throw element.error(
                        """
                        client prefix \"\(prefix)\" is already listed by client \(client.name); a prefix \
                        identifies one client
                        """
                    )
                }
            }
        }
        return .token(validator: name, clientPrefixes: prefixes, key: validatorKey)
    }

    /// Client prefixes travel in a header and appear in access lines: visible ASCII only.
    static func validClientPrefix(_ prefix: String) -> Bool {
        (1...128).contains(prefix.utf8.count) && prefix.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }
}
