import GatehouseCore

/// An operator with a live session, on one request.
struct SignedIn: Sendable {
    let cookie: String
    let session: ConsoleSession
    let remoteAddress: String
    /// The POST form, CSRF already checked.
    var form: [String: String] = [:]

    init(cookie: String, session: ConsoleSession, remoteAddress: String) {
        self.cookie = cookie
        self.session = session
        self.remoteAddress = remoteAddress
    }

    /// Who the vault's audit table names for this operator's changes.
    var actor: VaultActor { VaultActor(name: "console from \(self.remoteAddress)", source: .admin) }
}
