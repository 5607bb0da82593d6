/// One obtained credential (an OAuth pair, a Keyfax JWT) kept in the vault and renewed by one
/// caller at a time across every instance sharing the store: within this process through a
/// ``SingleFlight``, across processes through the store's ``Lease`` named ``name``.
///
/// A renewal takes the lease (compare-and-set; no database connection or lock is held across
/// the HTTP call), reloads the vault in case another instance renewed meanwhile, and only then
/// calls `renew`, whose vault write is fenced by the lease. Callers that find the lease held wait
/// for the holder's write (the store's change notification, or a short poll) or for the lease to
/// be released or expire, and then take it over, so a holder killed mid-renewal delays its
/// callers by at most the lease duration.
///
/// ```swift
/// let credential = RenewableCredential(name: "crm/oauth", vault: vault, holder: instanceID, leaseMilliseconds: 15_000)
/// let token = try await credential.obtain(usable: { try vault.entry("crm/access_token").flatMap(fresh) }) { lease in
///     try await refreshAndStore(under: lease)
/// }
/// ```
public struct RenewableCredential: Sendable {
    /// The lease's name, unique per credential (`{connection}/oauth`).
    public let name: String
    public let vault: Vault
    /// This instance's id: the lease's holder.
    public let holder: String
    /// How long a lease lasts unless released.
    public let leaseMilliseconds: Int64
    /// How often a waiter re-reads the store while another instance holds the lease.
    public var pollInterval: Duration = .milliseconds(200)
    private let flight = SingleFlight<String, Secret>()

    /// Creates the lifecycle of one credential.
    public init(name: String, vault: Vault, holder: String, leaseMilliseconds: Int64) {
        self.name = name
        self.vault = vault
        self.holder = holder
        self.leaseMilliseconds = leaseMilliseconds
    }

    /// The credential `usable` finds in the vault's cache, else the one `renew` obtains under the
    /// lease, else the one another instance obtained meanwhile. `usable` runs again after every
    /// reload, so the newest stored value (a rotated refresh token) is the one renewed from.
    public func obtain(
        usable: @escaping @Sendable () throws -> Secret?,
        renew: @escaping @Sendable (Lease) async throws -> Secret
    ) async throws -> Secret {
        if let value = try usable() { return value }
        return try await self.flight.run(self.name) {
            try await self.renewAcrossInstances(usable: usable, renew: renew)
        }
    }

    private func renewAcrossInstances(
        usable: @Sendable () throws -> Secret?,
        renew: @Sendable (Lease) async throws -> Secret
    ) async throws -> Secret {
        while true {
            if let value = try usable() { return value }
            switch try await self.vault.store.acquireLease(
                self.name, holder: self.holder, milliseconds: self.leaseMilliseconds)
            {
            case .acquired(let lease):
                do {
                    // Another instance may have renewed just before the lease passed to us.
                    try await self.vault.reloadIfChanged()
                    let result: Secret
                    if let value = try usable() {
                        result = value
                    } else {
                        result = try await renew(lease)
                    }
                    try? await self.vault.store.releaseLease(lease)
                    return result
                } catch {
                    try? await self.vault.store.releaseLease(lease)
                    throw error
                }
            case .held:
                // The holder's write wakes us (or the poll finds it); a holder that died or gave
                // up leaves the lease expired or released, and the next round takes it over.
                await self.vault.store.waitForChange(timeout: self.pollInterval)
                try Task.checkCancellation()
                try await self.vault.reloadIfChanged()
            }
        }
    }
}
