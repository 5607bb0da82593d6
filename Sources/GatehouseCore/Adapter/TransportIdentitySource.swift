/// A connection's transport credentials (`client_certificate`, `proxy_credentials`), resolved
/// on every call like its other credentials, so a vault change applies to the next request and a
/// missing value fails closed with 503 `unavailable`.
public struct TransportIdentitySource: Sendable {
    /// The connection the credentials belong to.
    public let connection: String
    private let credentials: Credentials
    /// A certificate read from a file at start-up (it is not secret, but is handled as one).
    private let loadedCertificate: Secret?
    private let hasCertificate: Bool
    private let hasProxyLogin: Bool

    private static let certificateName = "client_certificate.cert"
    private static let keyName = "client_certificate.key"
    private static let proxyUsernameName = "proxy_credentials.username"
    private static let proxyPasswordName = "proxy_credentials.password"

    /// The identity of `connection`, or `nil` when it has neither setting. `pemFiles` holds the
    /// contents of `file:` certificates, read by the caller at start-up.
    public init?(connection: GatewayConfiguration.Connection, source: any SecretSource, pemFiles: [String: Secret]) {
        guard connection.clientCertificate != nil || connection.proxyCredentials != nil else { return nil }
        var references: [String: SecretReference] = [:]
        var loaded: Secret?
        if let certificate = connection.clientCertificate {
            references[Self.keyName] = certificate.key
            switch certificate.certificate {
            case .reference(let reference): references[Self.certificateName] = reference
            case .file(let path): loaded = pemFiles[path]
            }
        }
        if let login = connection.proxyCredentials {
            references[Self.proxyUsernameName] = login.username
            references[Self.proxyPasswordName] = login.password
        }
        self.connection = connection.name
        self.credentials = Credentials(connection: connection.name, references: references, source: source)
        self.loadedCertificate = loaded
        self.hasCertificate = connection.clientCertificate != nil
        self.hasProxyLogin = connection.proxyCredentials != nil
    }

    /// The identity for one call; the client certificate only when the call goes to the
    /// connection's own origin (`toOrigin`), like every other credential.
    public func resolve(toOrigin: Bool) throws -> TransportIdentity {
        var identity = TransportIdentity()
        if self.hasCertificate, toOrigin {
            let certificate = try self.loadedCertificate ?? self.credentials.secret(Self.certificateName)
            identity.clientCertificate = .init(certificate: certificate, key: try self.credentials.secret(Self.keyName))
        }
        if self.hasProxyLogin {
            identity.proxyLogin = .init(
                username: try self.credentials.secret(Self.proxyUsernameName),
                password: try self.credentials.secret(Self.proxyPasswordName)
            )
        }
        return identity
    }
}
