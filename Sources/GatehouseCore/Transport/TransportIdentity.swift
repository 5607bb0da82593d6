/// Credentials the transport itself presents, resolved from the vault for one call: a TLS client
/// certificate for the upstream and a login for the forward proxy. Handed to the HTTP library in
/// memory, never written to disk; printing it shows no value (``Secret``).
public struct TransportIdentity: Sendable, Hashable {
    /// A client certificate (PEM chain) and its private key (PEM), presented to the upstream.
    public struct ClientCertificate: Sendable, Hashable {
        /// The certificate chain, PEM. Not secret, but it may come from the vault too.
        public var certificate: Secret
        /// The private key, PEM (unencrypted: the vault is what protects it).
        public var key: Secret

        /// Creates a client certificate.
        public init(certificate: Secret, key: Secret) {
            self.certificate = certificate
            self.key = key
        }
    }

    /// The proxy's user name and password (Basic, inside the TLS session to an `https://` proxy).
    public struct ProxyLogin: Sendable, Hashable {
        public var username: Secret
        public var password: Secret

        /// Creates a proxy login.
        public init(username: Secret, password: Secret) {
            self.username = username
            self.password = password
        }
    }

    /// Presented only to the connection's own origin (``UpstreamClient`` leaves it off elsewhere).
    public var clientCertificate: ClientCertificate?
    /// Sent to the configured proxy on every call through it.
    public var proxyLogin: ProxyLogin?

    /// Creates an identity.
    public init(clientCertificate: ClientCertificate? = nil, proxyLogin: ProxyLogin? = nil) {
        self.clientCertificate = clientCertificate
        self.proxyLogin = proxyLogin
    }
}
