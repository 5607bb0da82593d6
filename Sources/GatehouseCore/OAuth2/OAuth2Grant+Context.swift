import Logging
import Synchronization

extension OAuth2Grant {
    /// Everything a grant's renewals need, captured by its ``ObtainedCredential``.
    struct Context: Sendable {
        let connection: String
        let configuration: Configuration
        let tokenEndpoint: OAuth2TokenEndpoint
        let vault: Vault?
        let health: ConnectionHealth
        let logger: Logger
        let now: @Sendable () -> Timestamp
        let state: GrantState

        var accessPath: String { "\(self.connection)/access_token" }
        var refreshPath: String { "\(self.connection)/refresh_token" }
        var logName: String { self.configuration.provider.lowercased() }
        var actor: VaultActor { VaultActor(name: "\(self.logName) oauth2", source: .oauth) }

        /// One refresh at the token endpoint, holding the lease: reads the newest refresh token
        /// (the vault was reloaded after the lease was taken) and stores the new pair fenced by it.
        func refresh(under lease: Lease) async throws -> RenewalOutcome {
            guard let refresh = try self.entry(self.refreshPath) else {
                return .refused(await self.markRefused("not_authorized"), kind: "not_authorized")
            }
            let failpoints = self.vault?.configuration.lifecycle.failpoints ?? Failpoints()
            failpoints.hit("refresh.before_request")
            let answer = await self.tokenEndpoint.refresh(token: refresh.secret)
            failpoints.hit("refresh.after_request")
            switch answer {
            case .granted(let grant):
                let (access, expiries) = try await self.store(grant, under: lease)
                self.logger.info("\(self.logName) tokens refreshed")
                return .renewed(access, expiries: expiries)
            case .refused(let kind, let status):
                self.logger.warning(
                    "\(self.logName) grant refused; re-authorization needed",
                    metadata: ["error": .string(kind), "upstream_status": .stringConvertible(status)])
                return .refused(await self.markRefused(kind), kind: kind)
            case .unavailable(let kind, let status):
                let error = GatewayError(
                    .unavailable,
                    """
                    the \(self.configuration.provider) token endpoint is failing (\(kind)); the tokens are kept \
                    and retried
                    """,
                    connection: self.connection, upstreamStatus: status)
                return .unavailable(error, kind: kind)
            }
        }

        /// Stores the pair in one atomic vault write (a refresh answer without a refresh token
        /// keeps the stored one); the access token and the expiries to report.
        func store(_ grant: OAuth2TokenEndpoint.Grant, under lease: Lease?) async throws -> (
            Secret, [String: Timestamp]
        ) {
            guard let vault = self.vault else {
                throw GatewayError(.unavailable, "no vault is configured", connection: self.connection)
            }
            let received = self.now()
            let accessExpiry = received.adding(seconds: grant.expiresIn)
            var items = [Vault.Item(path: self.accessPath, value: grant.accessToken, expiresAt: accessExpiry)]
            var expiries = ["access_token": accessExpiry]
            if let refresh = grant.refreshToken {
                let refreshExpiry = self.configuration.refreshLifetimeSeconds.map { received.adding(seconds: $0) }
                items.append(Vault.Item(path: self.refreshPath, value: refresh, expiresAt: refreshExpiry))
                if let refreshExpiry { expiries["refresh_token"] = refreshExpiry }
            }
            do {
                try await vault.put(items, by: self.actor, under: lease)
            } catch {
                self.health.fail(.failing, error: "vault_write", at: received)
                self.logger.error(
                    "\(self.logName) tokens could not be stored", metadata: ["reason": .string("\(error)")])
                throw GatewayError(
                    .unavailable, "the new tokens could not be stored in the vault", connection: self.connection)
            }
            return (grant.accessToken, expiries)
        }

        /// Fails with 503 `needs_reauthorization` while the grant is known dead. A refresh token
        /// newer than the dead one is a grant another instance's callback stored: it revives.
        func requireGrant() throws {
            let stored = try? self.vault?.entry(self.refreshPath)
            let health = self.health
            let (dead, revived) = self.state.values.withLock { values -> (Bool, Bool) in
                guard values.reauthorizationNeeded || health.current.state == .needsReauthorization else {
                    return (false, false)
                }
                guard let stored, stored.metadata.version != (values.deadRefreshVersion ?? 0) else {
                    return (true, false)
                }
                values.reauthorizationNeeded = false
                values.deadRefreshVersion = nil
                return (false, true)
            }
            if revived, let stored {
                health.update { report in
                    report.state = .ok
                    report.lastError = nil
                    report.expiries["refresh_token"] = stored.metadata.expiresAt
                }
            }
            if dead {
                throw GatewayError(
                    .needsReauthorization,
                    """
                    the \(self.configuration.provider) grant is gone: an operator must re-authorize at \
                    /oauth/\(self.connection)/start
                    """,
                    connection: self.connection)
            }
        }

        /// Marks the grant as gone and stops using it. The refresh token stays in the vault until
        /// an operator re-authorizes or deletes it: a refusal Gatehouse misread (a proxy's 400, a
        /// forged answer) must not destroy the only way back to the grant. The access token is
        /// dropped: it is never sent again.
        func markRefused(_ kind: String) async -> GatewayError {
            let version = (try? self.vault?.entry(self.refreshPath))?.metadata.version ?? 0
            self.state.values.withLock { values in
                values.reauthorizationNeeded = true
                values.deadRefreshVersion = version
            }
            try? await self.vault?.delete(self.accessPath, by: self.actor)
            return GatewayError(
                .needsReauthorization,
                """
                \(self.configuration.provider) refused the grant (\(kind)): an operator must re-authorize at \
                /oauth/\(self.connection)/start
                """,
                connection: self.connection)
        }

        /// Whether a grant is in place and not known to be dead.
        func holdsWorkingGrant() -> Bool {
            guard !self.state.reauthorizationNeeded, self.health.current.state != .needsReauthorization else {
                return false
            }
            return (try? self.entry(self.refreshPath)) != nil
        }

        func entry(_ path: String) throws -> Vault.Entry? {
            guard let vault = self.vault else {
                throw GatewayError(.unavailable, "no vault is configured", connection: self.connection)
            }
            do {
                return try vault.entry(path)
            } catch {
                throw GatewayError(.unavailable, "\(path) cannot be read: \(error)", connection: self.connection)
            }
        }
    }
}
