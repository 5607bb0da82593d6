import Logging
import Synchronization

/// One connection's OAuth2 authorization-code grant (RFC 6749 §4.1) with refresh-token rotation
/// (RFC 9700 §4.14): the `state`s handed out, the token pair in the vault, and its renewal through
/// the core's ``ObtainedCredential`` (one refresh across every instance under the lease
/// `{connection}/oauth`, back-off, health). Every change of the pair is stored in the vault (both
/// tokens in one atomic write, fenced by the lease) before the new access token is used.
///
/// An adapter for an OAuth2 upstream brings only its ``OAuth2TokenEndpoint`` and
/// ``Configuration`` (authorize URL, lifetimes), and sends with ``authorizer(client:)``.
///
/// ```swift
/// let grant = OAuth2Grant(connection: "crm", configuration: .init(provider: "CRM", authorizeURL: origin +
/// "/authorize",
///     redirectURI: redirect), tokenEndpoint: endpoint, vault: setup.vault, health: setup.health, logger: setup.logger)
/// let response = try await grant.authorizer(client: setup.client).send(request)
/// ```
public final class OAuth2Grant: Sendable {
    let context: Context
    /// The access token's lifecycle.
    public let access: ObtainedCredential

    /// Creates the grant; what the vault holds decides the starting health (no refresh token,
    /// no grant: `needs_reauthorization`).
    public init(
        connection: String,
        configuration: Configuration,
        tokenEndpoint: OAuth2TokenEndpoint,
        vault: Vault?,
        health: ConnectionHealth,
        logger: Logger,
        now: @escaping @Sendable () -> Timestamp = { Timestamp.now() }
    ) {
        let context = Context(
            connection: connection, configuration: configuration, tokenEndpoint: tokenEndpoint, vault: vault,
            health: health,
            logger: logger, now: now, state: GrantState())
        self.context = context
        self.access = ObtainedCredential(
            name: "\(connection)/oauth",
            describedAs: "the \(configuration.provider) token endpoint",
            connection: connection,
            vault: vault,
            health: health,
            marginSeconds: configuration.refreshMarginSeconds,
            logger: logger,
            now: now,
            stored: {
                // A grant known dead is not renewed (until a newer one is stored).
                try context.requireGrant()
                return try context.entry(context.accessPath).map {
                    .init(value: $0.secret, expiresAt: $0.metadata.expiresAt)
                }
            },
            renew: { renewal in try await context.refresh(under: renewal.lease) }
        )
        let refresh = try? vault?.entry(context.refreshPath)
        let access = try? vault?.entry(context.accessPath)
        health.update { report in
            if let refresh {
                report.expiries["refresh_token"] = refresh.metadata.expiresAt
                report.expiries["access_token"] = access?.metadata.expiresAt
            } else {
                report.state = .needsReauthorization
                report.lastError = "not_authorized"
            }
        }
    }

    /// The access token to send: the stored one while it is fresh, else the result of one refresh
    /// (`rejecting`: the token the upstream just refused).
    public func accessToken(rejecting rejected: Secret? = nil) async throws -> Secret {
        try await self.access.current(rejecting: rejected)
    }

    /// Sends with `Authorization: Bearer {access token}`, refreshing once and retrying once on 401.
    public func authorizer(client: UpstreamClient) -> RequestAuthorizer {
        RequestAuthorizer(client: client, credential: self.access) { BearerSigner(token: $0) }
    }

    /// Background upkeep: renew an aging grant even without traffic, warn before it lapses.
    public func maintain() async {
        let context = self.context
        guard !context.state.reauthorizationNeeded, let lifetime = context.configuration.refreshLifetimeSeconds,
            let refresh = try? context.entry(context.refreshPath), let expiry = refresh.metadata.expiresAt
        else { return }
        let age = lifetime - (expiry.seconds - context.now().seconds)
        // Only the grant's age triggers this: an idle connection's expired access token is renewed
        // by the next call, so a quiet connection rotates its pair once a week, not every 4 hours.
        if age >= context.configuration.refreshAfterDays * 86_400 {
            _ = try? await self.access.current(rejecting: try? context.entry(context.accessPath)?.secret)
        }
        guard let current = try? context.entry(context.refreshPath), let lapse = current.metadata.expiresAt else {
            return
        }
        if lapse.seconds - context.now().seconds <= context.configuration.warnBeforeDays * 86_400 {
            let warning =
                """
                the refresh token lapses at \(lapse.iso8601); refreshes keep failing, re-authorize at \
                /oauth/\(context.connection)/start if it does
                """
            if context.health.current.warning == nil {
                context.logger.warning(
                    "\(context.logName) refresh token lapses soon", metadata: ["expires_at": .string(lapse.iso8601)])
            }
            context.health.update { $0.warning = warning }
        } else {
            context.health.update { $0.warning = nil }
        }
    }

    /// What a grant remembers between calls, shared by its callers.
    final class GrantState: Sendable {
        struct Values {
            var states: [String: Timestamp] = [:]
            var reauthorizationNeeded = false
            /// The refresh token version known dead (`0`: none was stored); a newer one in the
            /// vault is a grant another instance (or an operator) set up since.
            var deadRefreshVersion: Int?
        }

        let values = Mutex(Values())

        var reauthorizationNeeded: Bool { self.values.withLock { $0.reauthorizationNeeded } }
    }
}
