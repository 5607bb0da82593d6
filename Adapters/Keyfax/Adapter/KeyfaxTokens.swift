import GatehouseCore

/// The connection's Keyfax JWT: kept in the vault (`{connection}/jwt`, with its expiry),
/// renewed `renew_margin_seconds` before it expires with `POST /api/v1/token` (Bearer), or
/// obtained anew with `GET /api/v1/token` (Basic) when there is none, it was rejected, or the
/// keys changed (a key change kills every JWT signed with the old key). One renewal at a time,
/// across every instance sharing the vault: the renewal runs under the core's
/// ``RenewableCredential`` (lease `{connection}/jwt`), and a JWT another instance stored for the
/// current keys is used instead of renewing again.
actor KeyfaxTokens {
    struct Token: Sendable, Equatable {
        var value: String
        var expiresAt: Timestamp
        /// The API key it was issued under (`nil`: read from the vault after a restart).
        var apiKey: String?
    }

    private let store: KeyfaxKeyStore
    private let health: ConnectionHealth
    private let margin: Int64
    private let clock: KeyfaxClock
    private let fetch: @Sendable (_ renewing: Token?) async throws -> String
    private var cached: Token?
    private var inFlight: Task<Token, any Error>?
    /// How many times a token was obtained or renewed (for tests and the health report).
    private(set) var renewals = 0

    init(
        store: KeyfaxKeyStore,
        health: ConnectionHealth,
        margin: Int64,
        clock: KeyfaxClock,
        fetch: @escaping @Sendable (_ renewing: Token?) async throws -> String
    ) {
        self.store = store
        self.health = health
        self.margin = margin
        self.clock = clock
        self.fetch = fetch
        if let entry = try? store.vault?.entry(store.jwtPath), let expiresAt = entry.metadata.expiresAt {
            self.cached = Token(value: entry.secret.reveal(), expiresAt: expiresAt, apiKey: nil)
            health.update { $0.expiries["jwt"] = expiresAt }
        }
    }

    /// A token fresh for at least the margin; `rejected` forces a renewal of that token.
    func token(rejected: String? = nil) async throws -> Token {
        let apiKey = try self.store.current().apiKey
        if let cached, cached.value != rejected, (cached.apiKey ?? apiKey) == apiKey,
            cached.expiresAt.seconds - self.margin > self.clock.local.seconds
        {
            return cached
        }
        if let inFlight { return try await inFlight.value }
        // Renew with Bearer only a token of the current keys that was not rejected.
        let renewable = self.cached.flatMap { token in
            token.value != rejected && (token.apiKey ?? apiKey) == apiKey && token.expiresAt > self.clock.local ? token : nil
        }
        let margin = self.margin
        let task = Task { [fetch, clock, store] in
            let vault = try store.openVault()
            let lifecycle = vault.configuration.lifecycle
            let credential = RenewableCredential(
                name: store.jwtPath, vault: vault, holder: lifecycle.instanceID, leaseMilliseconds: lifecycle.leaseMilliseconds
            )
            let value = try await credential.obtain(
                usable: {
                    // Another instance's JWT: fresh, not the one refused, and stored after the current keys.
                    guard let jwt = try? vault.entry(store.jwtPath), let expiresAt = jwt.metadata.expiresAt,
                        jwt.secret.reveal() != rejected, jwt.secret.reveal() != renewable?.value,
                        let keys = try? vault.entry(store.apiKeyPath), jwt.metadata.updatedAt >= keys.metadata.updatedAt,
                        expiresAt.seconds - margin > clock.local.seconds
                    else { return nil }
                    return jwt.secret
                },
                renew: { lease in
                    let value = try await fetch(renewable)
                    let expiresAt = KeyfaxJWT.expiry(of: value, issuedAt: clock.local)
                    try await vault.put(
                        [.init(path: store.jwtPath, value: Secret(value), expiresAt: expiresAt)],
                        by: VaultActor(name: "keyfax \(store.connection)", origin: .adapter), under: lease
                    )
                    return Secret(value)
                }
            ).reveal()
            return Token(value: value, expiresAt: KeyfaxJWT.expiry(of: value, issuedAt: clock.local), apiKey: apiKey)
        }
        self.inFlight = task
        defer { self.inFlight = nil }
        self.health.update { $0.state = .refreshing }
        let token: Token
        do {
            token = try await task.value
        } catch {
            self.health.fail(.failing, error: (error as? GatewayError)?.upstreamKind ?? (error as? GatewayError)?.code.rawValue ?? "jwt", at: self.clock.local)
            throw error
        }
        self.cached = token
        self.renewals += 1
        self.health.update { report in
            report.state = .ok
            report.expiries["jwt"] = token.expiresAt
        }
        return token
    }

    /// The expiry of the token held, if any (for the health report).
    var expiry: Timestamp? { self.cached?.expiresAt }
}
