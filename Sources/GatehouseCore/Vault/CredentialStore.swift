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
/// try await vault.put("crm/token", Secret("s3cr3t"), by: VaultActor(name: "ops", origin: .cli))
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
    /// `keepVersions` versions of each, and records a `put` audit row per secret.
    func write(_ writes: [SecretWrite], by actor: VaultActor, at time: Timestamp, keepVersions: Int) async throws -> [SecretMetadata]

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
}
