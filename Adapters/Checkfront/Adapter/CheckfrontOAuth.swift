import GatehouseCore

/// What is Checkfront's own in its OAuth2 (seed 002); the grant itself is the core's
/// ``OAuth2Grant``: the authorize URL `{base}/oauth/`, the token endpoint `{base}/oauth/token/`
/// (trailing slash), 14000 s access tokens when an answer states none, and 14-day refresh tokens
/// rotated by every refresh (a reused one revokes the grant).
enum CheckfrontOAuth {
    /// Checkfront's access-token lifetime, assumed when the answer states none.
    static let defaultLifetime: Int64 = 14_000
    /// Checkfront's refresh token lifetime.
    static let refreshLifetime: Int64 = 14 * 86_400

    /// `base_url`'s origin, where both OAuth2 endpoints live.
    static func origin(_ client: UpstreamClient) -> String {
        var prefix = client.baseURL.prefix
        while prefix.hasSuffix("/") { prefix.removeLast() }
        return prefix
    }

    /// The token endpoint, the only place the consumer key and secret are sent.
    static func tokenEndpoint(
        client: UpstreamClient, credentials: Credentials, clientAuth: CheckfrontAdapter.Configuration.ClientAuth
    ) -> OAuth2TokenEndpoint {
        OAuth2TokenEndpoint(
            url: Self.origin(client) + "/oauth/token/", client: client, credentials: credentials,
            clientAuthentication: clientAuth,
            defaultLifetime: Self.defaultLifetime, rotatesRefreshTokens: true)
    }

    /// The grant of one `auth: oauth2` connection.
    static func grant(
        setup: AdapterSetup, configuration: CheckfrontAdapter.Configuration, redirectURI: String,
        now: @escaping @Sendable () -> Timestamp
    ) -> OAuth2Grant {
        var grant = OAuth2Grant.Configuration(
            provider: "Checkfront", authorizeURL: Self.origin(setup.client) + "/oauth/", redirectURI: redirectURI)
        grant.requireState = configuration.requireState
        grant.refreshMarginSeconds = configuration.refreshMarginSeconds
        grant.refreshLifetimeSeconds = Self.refreshLifetime
        grant.refreshAfterDays = configuration.refreshAfterDays
        grant.warnBeforeDays = configuration.warnBeforeDays
        return OAuth2Grant(
            connection: setup.connection.name,
            configuration: grant,
            tokenEndpoint: Self.tokenEndpoint(
                client: setup.client, credentials: setup.credentials, clientAuth: configuration.clientAuth),
            vault: setup.vault,
            health: setup.health,
            logger: setup.logger,
            now: now
        )
    }
}
