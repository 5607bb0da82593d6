import HTTPTypes
/// Signs with `Authorization: Bearer {token}` (RFC 6750 §2.1, the header form only: a token in
/// a URL ends up in logs).
///
/// ```swift
/// let client = connectionClient.signed(by: BearerSigner(token: accessToken))
/// ```
public struct BearerSigner: RequestSigner {
    let token: Secret

    /// Signs with `token`.
    public init(token: Secret) { self.token = token }

    public func sign(_ request: inout UpstreamRequest) async throws {
        request.headers[.authorization] = "Bearer " + self.token.reveal()
    }
}
