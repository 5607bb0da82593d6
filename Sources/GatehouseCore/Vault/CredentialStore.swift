/// Durable storage for the vault: the wrapped data key, sealed secret versions with their
/// metadata, and the audit table. Stores see only sealed bytes, never values; everything above
/// the store (``Vault``, the CLI, the admin API) works through this protocol, so a PostgreSQL
/// store drops in beside the embedded SQLite one.
///
/// Every method that changes data commits durably before it returns, and a change plus its audit
/// records commit together or not at all.
///
/// ```swift
/// let store: any CredentialStore = try SQLiteCredentialStore(path: ".gatehouse/vault.db", create: false)
/// let vault = try await Vault.open(store: store, masterKey: key)
/// try await vault.put("crm/token", Secret("s3cr3t"), by: VaultActor(name: "ops", source: .cli))
/// ```
public protocol CredentialStore: Sendable {
    /// Where the store is, for messages (`sqlite:.gatehouse/vault.db`); contains no credential.
    var location: String { get }

    /// The keyring, or `nil` when the store holds no vault yet.
    func keyring() async throws -> VaultKeyring?

    /// Stores the first keyring; throws ``VaultError/alreadyInitialized(location:)`` when one exists.
    func createKeyring(_ keyring: VaultKeyring, audit: AuditRecord) async throws

    /// Replaces the keyring wrapped under `expectedMasterKeyID` in one transaction (master key rotation).
    /// Returns `false`, changing nothing, when the stored keyring is not wrapped under that id.
    func replaceKeyring(_ keyring: VaultKeyring, expectedMasterKeyID: String, audit: AuditRecord) async throws -> Bool

    /// Writes a new version of every secret in `writes`, all in one transaction, keeping at most
    /// `keepVersions` versions of each, and records a `put` audit row per secret. With `lease`,
    /// the write commits only while that lease is still the current grant (same holder and
    /// fence; a late holder nobody took over from may still write); otherwise it
    /// changes nothing and throws ``VaultError/leaseLost(_:)``.
    func write(
        _ writes: [SecretWrite], by actor: VaultActor, at time: Timestamp, keepVersions: Int, under lease: Lease?
    ) async throws -> [SecretMetadata]

    /// Takes lease `name` for `holder` for `milliseconds` when it is free, expired, or already
    /// `holder`'s (compare-and-set on the `leases` row; the store's clock decides expiry).
    func acquireLease(_ name: String, holder: String, milliseconds: Int64) async throws -> LeaseAcquisition

    /// Gives `lease` up early, if it is still the one held; otherwise changes nothing.
    func releaseLease(_ lease: Lease) async throws

    /// Deletes every version of `path`; `false` when there was none.
    func delete(_ path: String, audit: AuditRecord) async throws -> Bool

    /// The current version of every secret.
    func currentSecrets() async throws -> [StoredSecret]

    /// One version of `path` (`nil` = the current one), or `nil` when it is not kept.
    func secret(_ path: String, version: Int?) async throws -> StoredSecret?

    /// Metadata of every secret, ordered by path.
    func list() async throws -> [SecretMetadata]

    /// Appends an audit record on its own (reveals).
    func appendAudit(_ record: AuditRecord) async throws

    /// The newest audit records first.
    func auditLog(limit: Int) async throws -> [AuditRecord]

    /// A cheap value that changes whenever another process commits to the store; throws
    /// ``VaultError/storeUnreachable(_:)`` when the store can no longer be reached.
    func changeToken() async throws -> Int64

    /// Everything the store holds, sealed; throws ``VaultError/notInitialized(location:)`` when empty.
    func snapshot() async throws -> VaultSnapshot

    /// Writes `snapshot` into this store in one transaction; refuses (``VaultError/alreadyInitialized(location:)``)
    /// a store that holds a keyring or any secret.
    func restore(_ snapshot: VaultSnapshot) async throws

    /// Returns when another process may have changed the store (a PostgreSQL `NOTIFY`) or after
    /// `timeout`, whichever comes first; the watcher then checks ``changeToken()``. Stores that
    /// cannot announce changes only wait out the timeout (the default), so the watcher polls.
    func waitForChange(timeout: Duration) async
}

extension CredentialStore {
    /// Writes without a lease.
    public func write(_ writes: [SecretWrite], by actor: VaultActor, at time: Timestamp, keepVersions: Int) async throws
        -> [SecretMetadata]
    {
        try await self.write(writes, by: actor, at: time, keepVersions: keepVersions, under: nil)
    }

    /// Waits out `timeout`: the store is polled.
    public func waitForChange(timeout: Duration) async {
        try? await Task.sleep(for: timeout)
    }
}
