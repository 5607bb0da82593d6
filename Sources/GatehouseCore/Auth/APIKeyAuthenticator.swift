import GatehouseCrypto

/// Admits callers presenting `Authorization: Bearer gh_...` whose SHA-256 matches a configured
/// client. Keys are never stored, only their hashes; the comparison is constant-time and
/// touches every entry so timing reveals nothing about which one matched.
public struct APIKeyAuthenticator: Authenticator {
    private let entries: [(hash: [UInt8], principal: Principal)]

    /// Creates an authenticator over `(sha256, principal)` pairs.
    public init(entries: [(hash: [UInt8], principal: Principal)]) {
        self.entries = entries
    }

    public func authenticate(_ credentials: InboundCredentials) async throws -> Principal? {
        try self.principal(for: credentials)
    }

    /// ``authenticate(_:)`` without suspending: `nil` when the credentials carry no `gh_` key,
    /// 401 when the key matches no client.
    public func principal(for credentials: InboundCredentials) throws -> Principal? {
        guard let token = credentials.bearerToken, token.hasPrefix(APIKey.prefix) else { return nil }
        let digest = Digest.sha256(Array(token.utf8))
        var match: Principal?
        for entry in self.entries where ConstantTime.equals(entry.hash, digest) {
            match = entry.principal
        }
        guard let match else { throw GatewayError.unauthenticatedCaller }
        return match
    }
}

/// Gateway-issued API keys: `gh_` + base64url (no padding) of 32 random bytes.
public enum APIKey {
    /// Every key starts with this.
    public static let prefix = "gh_"

    /// A new key and the lowercase hex SHA-256 that config stores.
    public static func generate() -> (key: String, sha256: String) {
        let key = self.prefix + Base64.urlEncode(SecureRandom.bytes(32))
        return (key, Hex.encode(Digest.sha256(Array(key.utf8))))
    }
}
