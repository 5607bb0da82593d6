import GatehouseCore

/// Signs every K2 request separately (each page URL too): the `Authorization: {user}:{hash}`
/// header, or `x-auth` appended to the URL. Credentials `username` and `password` are read from
/// the connection's credentials (the vault) on every call.
struct K2Signer: RequestSigner {
    let credentials: Credentials
    let mode: K2Adapter.Configuration.AuthMode
    let xAuthDecode: Bool

    func sign(_ request: inout UpstreamRequest) async throws {
        let username = try self.credentials.secret("username").reveal()
        let password = try self.credentials.secret("password").reveal()
        switch self.mode {
        case .header:
            request.headers[.authorization] = K2Signature.authorization(
                url: request.url, username: username, password: password)
        case .xAuth:
            request.headers[.authorization] = nil
            request.url = K2Signature.xAuthURL(
                url: request.url, username: username, password: password, decode: self.xAuthDecode)
        }
    }
}
