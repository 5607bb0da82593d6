import GatehouseCore
import GatehouseCrypto
import Logging

/// One OAuth2 connection's grant: the `state`s handed out, the token pair in the vault, and the
/// single refresh in flight. Every change of the pair is stored in the vault (both tokens in
/// one atomic write) before the new access token is used.
actor OAuthSession {
    /// Lifetime of an authorization `state`.
    static let stateLifetime: Int64 = 600
    /// Most `state`s outstanding at once (older ones are dropped first).
    static let maximumStates = 1_000
    /// Checkfront's refresh token lifetime.
    static let refreshLifetime: Int64 = 14 * 86_400

    let connection: String
    let configuration: CheckfrontAdapter.Configuration
    let tokenEndpoint: TokenEndpoint
    let vault: Vault?
    let health: ConnectionHealth
    let logger: Logger
    let now: @Sendable () -> Timestamp

    /// The grant's lifecycle across instances: one refresh or code exchange at a time under the
    /// store's lease `{connection}/oauth`.
    let credential: RenewableCredential?
    private var states: [String: Timestamp] = [:]
    private var refreshing: Task<Secret, any Error>?
    private var reauthorizationNeeded = false
    /// The refresh token version known dead (`0`: none was stored); a newer one in the vault is a
    /// grant another instance (or an operator) set up since.
    private var deadRefreshVersion: Int? = nil
    private var failures = 0
    private var backoffUntil: Timestamp?

    var accessPath: String { "\(self.connection)/access_token" }
    var refreshPath: String { "\(self.connection)/refresh_token" }
    private static let actor = VaultActor(name: "checkfront oauth2", origin: .oauth)

    init(
        connection: String,
        configuration: CheckfrontAdapter.Configuration,
        tokenEndpoint: TokenEndpoint,
        vault: Vault?,
        health: ConnectionHealth,
        logger: Logger,
        now: @escaping @Sendable () -> Timestamp
    ) {
        self.connection = connection
        self.configuration = configuration
        self.tokenEndpoint = tokenEndpoint
        self.vault = vault
        self.health = health
        self.logger = logger
        self.now = now
        self.credential = vault.map { vault in
            RenewableCredential(
                name: "\(connection)/oauth",
                vault: vault,
                holder: vault.configuration.lifecycle.instanceID,
                leaseMilliseconds: vault.configuration.lifecycle.leaseMilliseconds
            )
        }
        // What the vault holds decides the starting state: no refresh token, no grant.
        let refresh = try? vault?.entry("\(connection)/refresh_token")
        let access = try? vault?.entry("\(connection)/access_token")
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

    // MARK: Authorization

    /// A new single-use `state` and the authorize URL carrying it.
    func authorizeURL() throws -> String {
        let now = self.now()
        self.states = self.states.filter { now.seconds - $0.value.seconds <= Self.stateLifetime }
        if self.states.count >= Self.maximumStates, let oldest = self.states.min(by: { $0.value < $1.value }) {
            self.states[oldest.key] = nil
        }
        let state = Base64.urlEncode(SecureRandom.bytes(32))
        self.states[state] = now
        return try self.tokenEndpoint.authorizeURL(state: state)
    }

    /// `GET /oauth/{connection}/callback`: checks `state` (nothing is sent when it is wrong),
    /// exchanges the code and stores the pair.
    func callback(_ request: EndpointRequest) async throws -> EndpointResponse {
        let given = request.parameter("state")
        if let given {
            guard request.count("state") == 1, let issued = self.states.removeValue(forKey: given) else {
                throw GatewayError(.badRequest, "unknown or already used state: start again at /oauth/\(self.connection)/start")
            }
            guard self.now().seconds - issued.seconds <= Self.stateLifetime else {
                throw GatewayError(.badRequest, "the state has expired (10 minutes): start again at /oauth/\(self.connection)/start")
            }
        } else if self.configuration.requireState {
            throw GatewayError(.badRequest, "the callback has no state: start again at /oauth/\(self.connection)/start")
        } else if self.holdsWorkingGrant() {
            // Without a state nothing ties this callback to an operator's /start: anyone could
            // bring a code of their own account. It may set up a grant, never replace one.
            throw GatewayError(
                .conflict,
                "connection \(self.connection) already holds a working grant; a callback without state cannot replace it (start at /oauth/\(self.connection)/start, or delete \(self.refreshPath) first)",
                connection: self.connection)
        }
        if let error = request.parameter("error") {
            let kind = Self.bounded(error)
            let reason = kind == "access_denied" ? "the Checkfront user denied access" : "Checkfront did not authorize the connection"
            throw GatewayError(
                .badRequest, "\(reason) (\(kind)); nothing was stored: start again at /oauth/\(self.connection)/start", upstreamKind: kind)
        }
        guard let code = request.parameter("code"), !code.isEmpty else {
            throw GatewayError(.badRequest, "the callback has no code")
        }
        // The exchange obtains a grant like a refresh does: under the lease, so it never races
        // another instance's refresh of the pair it replaces.
        let lease = try await self.takeLease(for: "exchange the authorization code")
        defer { if let lease, let vault = self.vault { Task { try? await vault.store.releaseLease(lease) } } }
        let grant: TokenEndpoint.Grant
        switch await self.tokenEndpoint.exchange(code: code) {
        case .granted(let answer): grant = answer
        case .refused(let kind, let status):
            throw GatewayError(
                .badRequest, "Checkfront refused the authorization code (\(kind)): start again at /oauth/\(self.connection)/start",
                upstreamStatus: status, upstreamKind: kind)
        case .unavailable(let kind, let status):
            throw GatewayError(.upstreamError, "the token endpoint could not exchange the code (\(kind))", upstreamStatus: status)
        }
        _ = try await self.store(grant, under: lease)
        self.reauthorizationNeeded = false
        self.failures = 0
        self.backoffUntil = nil
        self.logger.notice("checkfront connection authorized")
        return .page(title: "Connection \(self.connection) authorized", message: "Gatehouse holds the Checkfront tokens now. You can close this window.")
    }

    // MARK: Tokens

    /// The access token to send: the stored one while it is fresh, else the result of a refresh.
    func accessToken() async throws -> Secret {
        try self.requireGrant()
        let entry = try self.readEntry(self.accessPath)
        if let entry, self.isFresh(entry) { return entry.secret }
        return try await self.refresh(replacing: entry?.secret)
    }

    /// Refreshes unless another caller already replaced `stale`; every concurrent caller shares
    /// one refresh and its result.
    func refresh(replacing stale: Secret?) async throws -> Secret {
        try self.requireGrant()
        if let task = self.refreshing { return try await task.value }
        if let current = try self.readEntry(self.accessPath), current.secret != stale, self.isFresh(current) {
            return current.secret
        }
        if let until = self.backoffUntil, self.now() < until {
            // Backing off after a transient failure: a token that has not expired yet still works.
            if let current = try self.readEntry(self.accessPath), let expiry = current.metadata.expiresAt, expiry > self.now(), current.secret != stale {
                return current.secret
            }
            throw GatewayError(.unavailable, "the Checkfront token endpoint is failing; retrying after \(until.iso8601)")
        }
        let task = Task { try await self.performRefresh(replacing: stale) }
        self.refreshing = task
        let result = await task.result
        self.refreshing = nil
        return try result.get()
    }

    /// Background upkeep: renew an aging grant even without traffic, warn before it lapses.
    func maintain() async {
        guard !self.reauthorizationNeeded, let refresh = try? self.readEntry(self.refreshPath), let expiry = refresh.metadata.expiresAt else { return }
        let now = self.now()
        let age = Self.refreshLifetime - (expiry.seconds - now.seconds)
        // Only the grant's age triggers this: an idle connection's expired access token is renewed
        // by the next call, so a quiet connection rotates its pair once a week, not every 4 hours.
        if age >= self.configuration.refreshAfterDays * 86_400 {
            _ = try? await self.refresh(replacing: try? self.readEntry(self.accessPath)?.secret)
        }
        guard let current = try? self.readEntry(self.refreshPath), let lapse = current.metadata.expiresAt else { return }
        if lapse.seconds - self.now().seconds <= self.configuration.warnBeforeDays * 86_400 {
            let warning = "the refresh token lapses at \(lapse.iso8601); refreshes keep failing, re-authorize at /oauth/\(self.connection)/start if it does"
            if self.health.current.warning == nil { self.logger.warning("checkfront refresh token lapses soon", metadata: ["expires_at": .string(lapse.iso8601)]) }
            self.health.update { $0.warning = warning }
        } else {
            self.health.update { $0.warning = nil }
        }
    }

    private func performRefresh(replacing stale: Secret?) async throws -> Secret {
        guard let vault = self.vault, let credential = self.credential else { throw GatewayError(.unavailable, "no vault is configured") }
        let accessPath = self.accessPath
        let margin = self.configuration.refreshMarginSeconds
        let now = self.now
        do {
            return try await credential.obtain(
                usable: {
                    // Another instance's new token (or ours from before) is as good as a refresh.
                    guard let entry = try? vault.entry(accessPath), entry.secret != stale else { return nil }
                    guard let expiry = entry.metadata.expiresAt else { return entry.secret }
                    return expiry.seconds - margin > now().seconds ? entry.secret : nil
                },
                renew: { lease in try await self.refresh(under: lease, replacing: stale) }
            )
        } catch let error as VaultError {
            // The store cannot be reached to take the lease: nothing was sent, the pair is kept.
            self.health.fail(.failing, error: "vault_unreachable", at: self.now())
            self.logger.error("checkfront refresh could not take its lease", metadata: ["reason": .string(error.description)])
            throw GatewayError(.unavailable, "the vault store is unreachable; the tokens are kept and the refresh is retried", connection: self.connection)
        }
    }

    /// Takes the grant's lease for a one-off operation (the code exchange); `nil` without a vault.
    private func takeLease(for what: String) async throws -> Lease? {
        guard let vault = self.vault, let credential = self.credential else { return nil }
        let acquisition: LeaseAcquisition
        do {
            acquisition = try await vault.store.acquireLease(credential.name, holder: credential.holder, milliseconds: credential.leaseMilliseconds)
        } catch {
            throw GatewayError(.unavailable, "the vault store is unreachable; cannot \(what) now", connection: self.connection)
        }
        guard case .acquired(let lease) = acquisition else {
            throw GatewayError(.unavailable, "another instance is renewing this connection's tokens; try again in a few seconds", connection: self.connection)
        }
        return lease
    }

    /// One refresh at the token endpoint, holding the lease: reads the newest refresh token
    /// (the vault was reloaded after the lease was taken) and stores the new pair fenced by it.
    private func refresh(under lease: Lease, replacing stale: Secret?) async throws -> Secret {
        guard let refresh = try self.readEntry(self.refreshPath) else { throw await self.needsReauthorization("not_authorized") }
        self.health.update { $0.state = .refreshing }
        let failpoints = self.vault?.configuration.lifecycle.failpoints ?? Failpoints()
        failpoints.hit("refresh.before_request")
        let answer = await self.tokenEndpoint.refresh(token: refresh.secret)
        failpoints.hit("refresh.after_request")
        switch answer {
        case .granted(let grant):
            let access = try await self.store(grant, under: lease)
            self.failures = 0
            self.backoffUntil = nil
            self.logger.info("checkfront tokens refreshed")
            return access
        case .refused(let kind, let status):
            self.logger.warning("checkfront grant refused; re-authorization needed", metadata: ["error": .string(kind), "upstream_status": .stringConvertible(status)])
            throw await self.needsReauthorization(kind)
        case .unavailable(let kind, let status):
            self.failures += 1
            let delay = Int64(min(60, 1 << min(self.failures - 1, 6)))
            self.backoffUntil = self.now().adding(seconds: delay)
            self.health.fail(.failing, error: kind, at: self.now())
            self.logger.warning("checkfront token refresh failed; keeping the tokens", metadata: ["error": .string(kind), "retry_in_s": .stringConvertible(delay)])
            if let current = try self.readEntry(self.accessPath), let expiry = current.metadata.expiresAt, expiry > self.now(), current.secret != stale {
                return current.secret
            }
            throw GatewayError(.unavailable, "the Checkfront token endpoint is failing (\(kind)); the tokens are kept and retried", upstreamStatus: status)
        }
    }

    /// Stores both tokens in one atomic vault write, then reports them; returns the access token.
    private func store(_ grant: TokenEndpoint.Grant, under lease: Lease?) async throws -> Secret {
        guard let vault = self.vault else { throw GatewayError(.unavailable, "no vault is configured") }
        let received = self.now()
        let accessExpiry = received.adding(seconds: grant.expiresIn)
        let refreshExpiry = received.adding(seconds: Self.refreshLifetime)
        do {
            try await vault.put(
                [
                    Vault.Item(path: self.accessPath, value: grant.accessToken, expiresAt: accessExpiry),
                    Vault.Item(path: self.refreshPath, value: grant.refreshToken, expiresAt: refreshExpiry),
                ],
                by: Self.actor,
                under: lease
            )
        } catch {
            self.health.fail(.failing, error: "vault_write", at: received)
            self.logger.error("checkfront tokens could not be stored", metadata: ["reason": .string("\(error)")])
            throw GatewayError(.unavailable, "the new tokens could not be stored in the vault")
        }
        self.health.update { report in
            report.state = .ok
            report.expiries = ["access_token": accessExpiry, "refresh_token": refreshExpiry]
            report.warning = nil
        }
        return grant.accessToken
    }

    /// Whether a grant is in place and not known to be dead: a refresh token in the vault and
    /// no refused refresh since.
    private func holdsWorkingGrant() -> Bool {
        guard !self.reauthorizationNeeded, self.health.current.state != .needsReauthorization else { return false }
        return (try? self.readEntry(self.refreshPath)) != nil
    }

    private func requireGrant() throws {
        if self.reauthorizationNeeded || self.health.current.state == .needsReauthorization,
            let refresh = try? self.vault?.entry(self.refreshPath), refresh.metadata.version != (self.deadRefreshVersion ?? 0)
        {
            // Another instance authorized the connection (its callback stored a new grant).
            self.reauthorizationNeeded = false
            self.deadRefreshVersion = nil
            self.health.update { report in
                report.state = .ok
                report.lastError = nil
                report.expiries["refresh_token"] = refresh.metadata.expiresAt
            }
        }
        if self.reauthorizationNeeded || self.health.current.state == .needsReauthorization {
            throw GatewayError(
                .needsReauthorization,
                "the Checkfront grant is gone: an operator must re-authorize at /oauth/\(self.connection)/start",
                connection: self.connection
            )
        }
    }

    /// Marks the grant as gone and stops using it. The refresh token stays in the vault until an
    /// operator re-authorizes or deletes it: a refusal Gatehouse misread (a proxy's 400, a
    /// forged answer) must not destroy the only way back to the grant. The access token is
    /// dropped: it is never sent again.
    private func needsReauthorization(_ kind: String) async -> GatewayError {
        self.reauthorizationNeeded = true
        self.deadRefreshVersion = (try? self.vault?.entry(self.refreshPath))?.metadata.version ?? 0
        self.health.fail(.needsReauthorization, error: kind, at: self.now())
        self.health.update { $0.expiries = [:] }
        try? await self.vault?.delete(self.accessPath, by: Self.actor)
        return GatewayError(
            .needsReauthorization,
            "Checkfront refused the grant (\(kind)): an operator must re-authorize at /oauth/\(self.connection)/start",
            connection: self.connection
        )
    }

    private func isFresh(_ entry: Vault.Entry) -> Bool {
        guard let expiry = entry.metadata.expiresAt else { return true }
        return expiry.seconds - self.configuration.refreshMarginSeconds > self.now().seconds
    }

    private func readEntry(_ path: String) throws -> Vault.Entry? {
        guard let vault = self.vault else { throw GatewayError(.unavailable, "no vault is configured", connection: self.connection) }
        do {
            return try vault.entry(path)
        } catch {
            throw GatewayError(.unavailable, "\(path) cannot be read: \(error)", connection: self.connection)
        }
    }

    /// A bounded, metric-safe error class from an upstream string.
    static func bounded(_ text: String) -> String {
        let kept = text.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) || $0 == "_" }
        let result = String(String.UnicodeScalarView(kept.prefix(40)))
        return result.isEmpty ? "error" : result
    }
}
