import Logging
import Synchronization

/// The lifecycle of one credential Gatehouse obtains (an OAuth2 access token, a Keyfax JWT),
/// the same for every adapter: the stored value while it is fresh (`margin` seconds before it
/// expires), else one renewal across every instance (``RenewableCredential``: a ``SingleFlight``
/// here, the store's lease elsewhere), back-off after transient failures (``RenewalBackoff``),
/// and the connection's health report (`refreshing`, `ok`, `failing`, `needs_reauthorization`).
///
/// An adapter supplies only what is its own: where the credential is stored (`stored`) and how a
/// new one is obtained and stored under the lease (`renew`). ``RequestAuthorizer`` uses it to
/// renew once and retry once when the upstream answers 401.
///
/// ```swift
/// let jwt = ObtainedCredential(
///     name: "crm/jwt", describedAs: "the CRM token endpoint", connection: "crm", vault: vault, health: health,
///     marginSeconds: 300, logger: logger, now: { Timestamp.now() },
///     stored: { try vault.entry("crm/jwt").map { .init(value: $0.secret, expiresAt: $0.metadata.expiresAt) } },
///     renew: { renewal in .renewed(try await fetchAndStore(under: renewal.lease), expiries: [:]) })
/// let token = try await jwt.current()
/// ```
public final class ObtainedCredential: Sendable {
    /// A credential as stored, with its expiry (`nil`: it does not expire).
    public struct Stored: Sendable, Equatable {
        public var value: Secret
        public var expiresAt: Timestamp?

        /// Creates a stored credential.
        public init(value: Secret, expiresAt: Timestamp?) {
            self.value = value
            self.expiresAt = expiresAt
        }
    }

    /// What a renewal is asked to do: obtain a new credential and store it fenced by `lease`.
    public struct Renewal: Sendable {
        /// The lease held for this renewal; every vault write of it goes `under` it.
        public var lease: Lease
        /// What is stored now (read after the lease was taken and the vault reloaded).
        public var stale: Stored?
        /// The value the upstream refused (401), when that caused the renewal.
        public var rejected: Secret?
    }

    /// The lease's name (`{connection}/oauth`, `{connection}/jwt`).
    public let name: String
    /// What it is, for messages and logs (`"the Checkfront token endpoint"`).
    public let describedAs: String
    let connection: String
    let health: ConnectionHealth
    let marginSeconds: Int64
    let now: @Sendable () -> Timestamp
    let logger: Logger
    private let renewable: RenewableCredential?
    private let readStored: @Sendable () throws -> Stored?
    private let obtainNew: @Sendable (Renewal) async throws -> RenewalOutcome
    private let backoff = Mutex(RenewalBackoff())

    /// Creates the lifecycle of one credential. `stored` reads the vault's cache (it throws a
    /// ``GatewayError`` when it cannot); `renew` obtains and stores a new credential.
    public init(
        name: String,
        describedAs: String,
        connection: String,
        vault: Vault?,
        health: ConnectionHealth,
        marginSeconds: Int64,
        logger: Logger,
        now: @escaping @Sendable () -> Timestamp,
        stored: @escaping @Sendable () throws -> Stored?,
        renew: @escaping @Sendable (Renewal) async throws -> RenewalOutcome
    ) {
        self.name = name
        self.describedAs = describedAs
        self.connection = connection
        self.health = health
        self.marginSeconds = marginSeconds
        self.logger = logger
        self.now = now
        self.readStored = stored
        self.obtainNew = renew
        self.renewable = vault.map { vault in
            let lifecycle = vault.configuration.lifecycle
            return RenewableCredential(
                name: name, vault: vault, holder: lifecycle.instanceID, leaseMilliseconds: lifecycle.leaseMilliseconds)
        }
    }

    /// The credential to send: the stored one while it is fresh and not `rejected`, else the one
    /// a renewal (here or on another instance) obtains. While renewals back off after a
    /// transient failure, a stored credential that has not expired yet is still used.
    public func current(rejecting rejected: Secret? = nil) async throws -> Secret {
        let stored = try self.readStored()
        if let stored, stored.value != rejected, self.isFresh(stored) { return stored.value }
        if let until = self.backoff.withLock({ $0.pausedUntil(self.now()) }) {
            if let usable = self.unexpired(stored, rejected: rejected) { return usable }
            throw GatewayError(
                .unavailable, "\(self.describedAs) is failing; retrying after \(until.iso8601)",
                connection: self.connection)
        }
        guard let renewable else {
            throw GatewayError(.unavailable, "no vault is configured", connection: self.connection)
        }
        do {
            return try await renewable.obtain(
                usable: { [self] in
                    // Another instance's new credential (or ours from before) is as good as a renewal.
                    guard let stored = try? self.readStored(), stored.value != rejected, self.isFresh(stored) else {
                        return nil
                    }
                    return stored.value
                },
                renew: { [self] lease in try await self.renew(under: lease, rejecting: rejected) }
            )
        } catch let error as VaultError {
            // The store cannot be reached to take the lease: nothing was sent, what is stored is kept.
            self.health.fail(.failing, error: "vault_unreachable", at: self.now())
            self.logger.error(
                "credential renewal could not take its lease",
                metadata: ["lease": .string(self.name), "reason": .string(error.description)])
            throw GatewayError(
                .unavailable,
                "the vault store is unreachable; the stored credentials are kept and the renewal is retried",
                connection: self.connection)
        }
    }

    /// Whether `stored` is usable for longer than the margin.
    public func isFresh(_ stored: Stored) -> Bool {
        guard let expiry = stored.expiresAt else { return true }
        return expiry.seconds - self.marginSeconds > self.now().seconds
    }

    /// Whether renewals pause now after a transient failure.
    public var isBackingOff: Bool { self.backoff.withLock { $0.pausedUntil(self.now()) != nil } }

    /// Forgets the back-off (a new grant arrived: its first renewal must not wait).
    public func resetBackoff() { self.backoff.withLock { $0.succeeded() } }

    /// One renewal, holding the lease.
    private func renew(under lease: Lease, rejecting rejected: Secret?) async throws -> Secret {
        let stale = try? self.readStored()
        self.health.update { $0.state = .refreshing }
        let outcome: RenewalOutcome
        do {
            outcome = try await self.obtainNew(Renewal(lease: lease, stale: stale, rejected: rejected))
        } catch {
            // Unless the renewal reported something more precise itself (e.g. `vault_write`).
            if self.health.current.state == .refreshing {
                let kind = (error as? GatewayError).map { $0.upstreamKind ?? $0.code.rawValue } ?? "renewal"
                self.health.fail(.failing, error: kind, at: self.now())
            }
            throw error
        }
        switch outcome {
        case .renewed(let value, let expiries):
            self.backoff.withLock { $0.succeeded() }
            self.health.update { report in
                report.state = .ok
                report.expiries.merge(expiries) { $1 }
                report.warning = nil
            }
            return value
        case .refused(let error, let kind):
            self.health.fail(.needsReauthorization, error: kind, at: self.now())
            self.health.update { $0.expiries = [:] }
            throw error
        case .unavailable(let error, let kind):
            let delay = self.backoff.withLock { $0.failed(at: self.now()) }
            self.health.fail(.failing, error: kind, at: self.now())
            self.logger.warning(
                "credential renewal failed; keeping what is stored",
                metadata: [
                    "lease": .string(self.name), "error": .string(kind), "retry_in_s": .stringConvertible(delay),
                ])
            if let usable = self.unexpired(stale, rejected: rejected) { return usable }
            throw error
        }
    }

    /// `stored` when it has not expired yet and is not the value refused.
    private func unexpired(_ stored: Stored?, rejected: Secret?) -> Secret? {
        guard let stored, stored.value != rejected else { return nil }
        guard let expiry = stored.expiresAt else { return stored.value }
        return expiry > self.now() ? stored.value : nil
    }
}
