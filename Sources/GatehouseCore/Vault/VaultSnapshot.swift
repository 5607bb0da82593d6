/// Everything a store holds, as sealed bytes: the keyring, every kept version of every secret and
/// the audit table. `gatehouse vault migrate` copies one from store to store unchanged (values
/// stay sealed under the same data key; path and version, their AAD, are kept).
public struct VaultSnapshot: Sendable {
    /// One secret's row: its current version and when it was first written.
    public struct SecretRow: Sendable, Hashable {
        public var path: String
        public var currentVersion: Int
        public var createdAt: Timestamp

        /// Creates a row.
        public init(path: String, currentVersion: Int, createdAt: Timestamp) {
            self.path = path
            self.currentVersion = currentVersion
            self.createdAt = createdAt
        }
    }

    /// One kept version, sealed.
    public struct VersionRow: Sendable, Hashable {
        public var path: String
        public var version: Int
        public var sealed: [UInt8]
        public var createdAt: Timestamp
        public var expiresAt: Timestamp?
        public var source: ChangeSource

        /// Creates a row.
        public init(
            path: String, version: Int, sealed: [UInt8], createdAt: Timestamp, expiresAt: Timestamp?,
            source: ChangeSource
        ) {
            self.path = path
            self.version = version
            self.sealed = sealed
            self.createdAt = createdAt
            self.expiresAt = expiresAt
            self.source = source
        }
    }

    public var keyring: VaultKeyring
    public var secrets: [SecretRow]
    public var versions: [VersionRow]
    /// Oldest first.
    public var audit: [AuditRecord]

    /// Creates a snapshot.
    public init(keyring: VaultKeyring, secrets: [SecretRow], versions: [VersionRow], audit: [AuditRecord]) {
        self.keyring = keyring
        self.secrets = secrets
        self.versions = versions
        self.audit = audit
    }

    /// `secrets N, versions N, audit rows N`, for the migration's report and its check.
    public var counts: String {
        "\(self.secrets.count) secrets, \(self.versions.count) versions, \(self.audit.count) audit rows"
    }
}
