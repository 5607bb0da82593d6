/// The TLS and egress settings of the configuration: a listener's certificate (`server.tls`), a
/// connection's client certificate (`client_certificate`) and proxy login (`proxy_credentials`).
extension GatewayConfiguration {
    /// Where a PEM document comes from: a file (certificates, and a listener key the operator
    /// keeps on disk) or a secret reference (`vault:PATH`, `env:NAME`).
    public enum PEMSource: Sendable, Hashable, CustomStringConvertible {
        case file(String)
        case reference(SecretReference)

        public var description: String {
            switch self {
            case .file(let path): "file:\(path)"
            case .reference(let reference): reference.description
            }
        }

        /// The file path, when it is one.
        public var filePath: String? { if case .file(let path) = self { path } else { nil } }
    }

    /// `server.tls` and `admin.tls`: the certificate chain and key a listener serves.
    public struct ListenerTLS: Sendable {
        /// PEM certificate chain, leaf first (`cert: file:PATH`); re-read on SIGHUP.
        public var certificatePath: String
        /// PEM private key (`key: file:PATH | vault:PATH`); re-read on SIGHUP.
        public var key: PEMSource
        /// The `tls` node, for messages.
        public var node: ConfigNode
    }

    /// A connection's `client_certificate: { cert, key }`.
    public struct ClientCertificateSettings: Sendable {
        /// PEM certificate chain (`file:PATH` or `vault:PATH`).
        public var certificate: PEMSource
        /// PEM private key; a secret reference only (it never lives in a plain file).
        public var key: SecretReference
        public var node: ConfigNode
    }

    /// A connection's `proxy_credentials: { username, password }`.
    public struct ProxyCredentialSettings: Sendable {
        public var username: SecretReference
        public var password: SecretReference
        public var node: ConfigNode
    }

    /// Every file a PEM setting names, with the node naming it (for `file:line` messages).
    public var pemFiles: [(path: String, node: ConfigNode)] {
        var files: [(String, ConfigNode)] = []
        for tls in [self.server.tls, self.admin?.tls].compactMap({ $0 }) {
            files.append((tls.certificatePath, tls.node))
            if let path = tls.key.filePath { files.append((path, tls.node)) }
        }
        for connection in self.connections {
            if let path = connection.clientCertificate?.certificate.filePath,
                let node = connection.clientCertificate?.node
            {
                files.append((path, node))
            }
        }
        return files
    }

    /// Every secret reference outside `credentials:` (transport identities, listener key).
    var transportReferences: [SecretReference] {
        var references: [SecretReference] = []
        if case .reference(let key) = self.server.tls?.key { references.append(key) }
        if case .reference(let key) = self.admin?.tls?.key { references.append(key) }
        for connection in self.connections {
            if let certificate = connection.clientCertificate {
                references.append(certificate.key)
                if case .reference(let reference) = certificate.certificate { references.append(reference) }
            }
            if let login = connection.proxyCredentials { references += [login.username, login.password] }
        }
        return references
    }

    static func pemSource(_ node: ConfigNode, allowFile: Bool) throws(ConfigError) -> PEMSource {
        let text = try node.scalar(expecting: allowFile ? "file:PATH or vault:PATH" : "vault:PATH")
        if text.hasPrefix("file:") {
            guard allowFile else {
                throw node.error("a private key comes from the vault (vault:PATH), never from a plain file")
            }
            guard text.count > 5 else { throw node.error("expected file:PATH") }
            return .file(String(text.dropFirst(5)))
        }
        return .reference(try ConfigMap.reference(node))
    }

    static func listenerTLS(_ node: ConfigNode) throws(ConfigError) -> ListenerTLS {
        var map = try node.map()
        let certificateNode = try map.required("cert")
        guard case .file(let path) = try self.pemSource(certificateNode, allowFile: true) else {
            throw certificateNode.error("expected file:PATH (the certificate chain is re-read from the file on SIGHUP)")
        }
        let key = try self.pemSource(try map.required("key"), allowFile: true)
        try map.finish()
        return ListenerTLS(certificatePath: path, key: key, node: node)
    }

    static func clientCertificate(_ node: ConfigNode) throws(ConfigError) -> ClientCertificateSettings {
        var map = try node.map()
        let certificate = try self.pemSource(try map.required("cert"), allowFile: true)
        guard case .reference(let key) = try self.pemSource(try map.required("key"), allowFile: false) else {
            throw node.error("expected vault:PATH")
        }
        try map.finish()
        return ClientCertificateSettings(certificate: certificate, key: key, node: node)
    }

    static func proxyCredentials(_ node: ConfigNode) throws(ConfigError) -> ProxyCredentialSettings {
        var map = try node.map()
        let username = try ConfigMap.reference(try map.required("username"))
        let password = try ConfigMap.reference(try map.required("password"))
        try map.finish()
        return ProxyCredentialSettings(username: username, password: password, node: node)
    }
}
