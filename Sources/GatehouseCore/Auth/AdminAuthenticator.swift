import GatehouseCrypto

/// Checks the admin bearer token (`admin.token` in config) on admin routes. The expected token
/// is resolved on every call, so a `vault:` token that changes applies at once; when it cannot be
/// had, admin calls are refused (fail closed).
public struct AdminAuthenticator: Sendable {
    private let reference: SecretReference
    private let source: any SecretSource

    /// Creates a checker for the token behind `reference`.
    public init(reference: SecretReference, source: any SecretSource) {
        self.reference = reference
        self.source = source
    }

    /// Throws 401 `unauthenticated` unless `authorization` is `Bearer <admin token>`, and 503
    /// `unavailable` when the admin token itself cannot be read. Neither names the token's
    /// reference: the caller is not yet known to be an operator.
    public func verify(authorization: String?) throws {
        guard let token = InboundCredentials(authorization: authorization).bearerToken else {
            throw GatewayError.unauthenticatedCaller
        }
        try self.verify(token: token)
    }

    /// Throws as ``verify(authorization:)`` unless `token` is the admin token (a console login).
    public func verify(token: String) throws {
        try self.verify(digest: Digest.sha256(Array(token.utf8)))
    }

    /// Throws as ``verify(authorization:)`` unless `digest` is the SHA-256 of the admin token as it
    /// is now: a console session made with an older token ends when the token changes.
    public func verify(digest given: [UInt8]) throws {
        let expected: Secret?
        do {
            expected = try self.source.secret(for: self.reference)
        } catch {
            throw GatewayError.credentialsUncheckable
        }
        guard let expected, !expected.isEmpty else {
            throw GatewayError.credentialsUncheckable
        }
        // Equal-length digests compared in constant time: neither content nor length leaks.
        guard expected.withBytes({ ConstantTime.equals(Digest.sha256($0), given) }) else {
            throw GatewayError.unauthenticatedCaller
        }
    }
}
