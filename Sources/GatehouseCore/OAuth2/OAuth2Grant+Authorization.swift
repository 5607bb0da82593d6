import GatehouseCrypto
import Logging
import Synchronization

extension OAuth2Grant {
    /// Lifetime of an authorization `state`.
    static let stateLifetime: Int64 = 600
    /// Most `state`s outstanding at once (older ones are dropped first).
    static let maximumStates = 1_000

    /// A new single-use `state` and the authorize URL carrying it.
    public func authorizeURL() throws -> String {
        let context = self.context
        let now = context.now()
        let state = Base64.urlEncode(SecureRandom.bytes(32))
        context.state.values.withLock { values in
            values.states = values.states.filter { now.seconds - $0.value.seconds <= Self.stateLifetime }
            if values.states.count >= Self.maximumStates, let oldest = values.states.min(by: { $0.value < $1.value }) {
                values.states[oldest.key] = nil
            }
            values.states[state] = now
        }
        let clientID = try context.tokenEndpoint.clientID()
        let separator = context.configuration.authorizeURL.contains("?") ? "&" : "?"
        return context.configuration.authorizeURL + separator
            + FormEncoding.body([
                ("client_id", clientID), ("response_type", "code"), ("redirect_uri", context.configuration.redirectURI),
                ("state", state),
            ])
    }

    /// `GET /oauth/{connection}/callback`: checks `state` (nothing is sent when it is wrong),
    /// exchanges the code under the grant's lease and stores the pair.
    public func callback(_ request: EndpointRequest) async throws -> EndpointResponse {
        let context = self.context
        let connection = context.connection
        let provider = context.configuration.provider
        if let given = request.parameter("state") {
            let issued =
                request.count("state") == 1
                ? context.state.values.withLock({ $0.states.removeValue(forKey: given) }) : nil
            guard let issued else {
                throw GatewayError(
                    .badRequest, "unknown or already used state: start again at /oauth/\(connection)/start")
            }
            guard context.now().seconds - issued.seconds <= Self.stateLifetime else {
                throw GatewayError(
                    .badRequest, "the state has expired (10 minutes): start again at /oauth/\(connection)/start")
            }
        } else if context.configuration.requireState {
            throw GatewayError(.badRequest, "the callback has no state: start again at /oauth/\(connection)/start")
        } else if context.holdsWorkingGrant() {
            // Without a state nothing ties this callback to an operator's /start: anyone could
            // bring a code of their own account. It may set up a grant, never replace one.
            throw GatewayError(
                .conflict,
                """
                connection \(connection) already holds a working grant; a callback without state cannot replace it \
                (start at /oauth/\(connection)/start, or delete \(context.refreshPath) first)
                """,
                connection: connection)
        }
        if let error = request.parameter("error") {
            let kind = OAuth2TokenEndpoint.bounded(error)
            let reason =
                kind == "access_denied"
                ? "the \(provider) user denied access" : "\(provider) did not authorize the connection"
            throw GatewayError(
                .badRequest, "\(reason) (\(kind)); nothing was stored: start again at /oauth/\(connection)/start",
                upstreamKind: kind)
        }
        guard let code = request.parameter("code"), !code.isEmpty else {
            throw GatewayError(.badRequest, "the callback has no code")
        }
        // The exchange obtains a grant like a refresh does: under the lease, so it never races
        // another instance's refresh of the pair it replaces.
        let lease = try await self.takeLease(for: "exchange the authorization code")
        defer { if let lease, let vault = context.vault { Task { try? await vault.store.releaseLease(lease) } } }
        let grant: OAuth2TokenEndpoint.Grant
        switch await context.tokenEndpoint.exchange(code: code, redirectURI: context.configuration.redirectURI) {
        case .granted(let answer): grant = answer
        case .refused(let kind, let status):
            throw GatewayError(
                .badRequest,
                "\(provider) refused the authorization code (\(kind)): start again at /oauth/\(connection)/start",
                upstreamStatus: status, upstreamKind: kind)
        case .unavailable(let kind, let status):
            throw GatewayError(
                .upstreamError, "the token endpoint could not exchange the code (\(kind))", upstreamStatus: status)
        }
        let (_, expiries) = try await context.store(grant, under: lease)
        context.state.values.withLock { values in
            values.reauthorizationNeeded = false
            values.deadRefreshVersion = nil
        }
        self.access.resetBackoff()
        context.health.update { report in
            report.state = .ok
            report.lastError = nil
            report.expiries = expiries
            report.warning = nil
        }
        context.logger.notice("\(context.logName) connection authorized")
        return .page(
            title: "Connection \(connection) authorized",
            message: "Gatehouse holds the \(provider) tokens now. You can close this window.")
    }

    /// Takes the grant's lease for a one-off operation (the code exchange); `nil` without a vault.
    private func takeLease(for what: String) async throws -> Lease? {
        guard let vault = self.context.vault else { return nil }
        let lifecycle = vault.configuration.lifecycle
        let acquisition: LeaseAcquisition
        do {
            acquisition = try await vault.store.acquireLease(
                self.access.name, holder: lifecycle.instanceID, milliseconds: lifecycle.leaseMilliseconds)
        } catch {
            throw GatewayError(
                .unavailable, "the vault store is unreachable; cannot \(what) now", connection: self.context.connection)
        }
        guard case .acquired(let lease) = acquisition else {
            throw GatewayError(
                .unavailable, "another instance is renewing this connection's tokens; try again in a few seconds",
                connection: self.context.connection)
        }
        return lease
    }
}
