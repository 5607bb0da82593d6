import Synchronization

/// The credential vault: secrets sealed under a data key that the master key wraps, kept by a
/// ``CredentialStore``, and served to the request path from memory.
///
/// Reads (``secret(for:)``) never touch the store: every current version is opened once into an
/// in-memory cache. Writes through this vault update the cache when they commit; changes made by
/// other processes (`gatehouse vault put`) are picked up by ``reloadIfChanged()``, which the
/// gateway calls every second.
///
/// ```swift
/// let vault = try await Vault.open(store: store, masterKey: try MasterKey(base64: keyText))
/// try await vault.put("crm/token", Secret("s3cr3t"), by: VaultActor(name: "ops", source: .cli))
/// let token = try vault.secret(for: .vault("crm/token"))
/// ```
public final class Vault: SecretSource, Sendable {
    /// Vault settings (`vault:` in config).
    public struct Configuration: Sendable {
        /// Versions kept per secret, the current one included.
        public var keepVersions = 5
        /// Largest value accepted.
        public var maxValueBytes = 65_536
        /// How often a running gateway checks the store for other processes' changes when the
        /// store does not announce them first (SQLite: every second).
        public var pollInterval: Duration = .seconds(1)
        /// How credentials kept in this vault are renewed across instances (lease holder id,
        /// lease duration, failpoints).
        public var lifecycle = CredentialLifecycle()

        /// Default settings.
        public init() {}
    }

    /// A secret and its metadata as the cache holds it.
    public struct Entry: Sendable {
        public var secret: Secret
        public var metadata: SecretMetadata
    }

    /// A value to write, for atomic multi-secret writes.
    public struct Item: Sendable {
        public var path: String
        public var value: Secret
        public var expiresAt: Timestamp?

        /// Creates an item.
        public init(path: String, value: Secret, expiresAt: Timestamp? = nil) {
            self.path = path
            self.value = value
            self.expiresAt = expiresAt
        }
    }

    /// The outcome of ``rotateMasterKey(store:from:to:by:now:)``.
    public enum Rotation: Sendable, Equatable {
        /// The data key is now wrapped under the new master key.
        case rotated
        /// It already was (an earlier run completed); nothing changed.
        case alreadyRotated
    }

    private enum CacheEntry: Sendable {
        case readable(Entry)
        case unreadable(VaultError)
    }

    private struct State: Sendable {
        var entries: [String: CacheEntry] = [:]
        /// The store's change token the cache reflects; `nil` forces the next reload.
        var changeToken: Int64?
        /// Bumped by every write through this vault, so a reload racing a write cannot undo it.
        var localWrites: UInt64 = 0
        var problems: [VaultError] = []
    }

    /// The store behind the vault.
    public let store: any CredentialStore
    /// The settings.
    public let configuration: Configuration
    private let cipher: EnvelopeCipher
    private let now: @Sendable () -> Timestamp
    private let state = Mutex(State())
    /// Orders writes and reloads: a write's cache update can then never land after a later
    /// write's (or after a reload that already saw the later one), which would leave an older
    /// version cached than the store holds.
    private let writes = WriteLock()

    private init(
        store: any CredentialStore, cipher: EnvelopeCipher, configuration: Configuration,
        now: @escaping @Sendable () -> Timestamp
    ) {
        self.store = store
        self.cipher = cipher
        self.configuration = configuration
        self.now = now
    }

    /// Unseals the vault in `store` with `masterKey` and loads every current secret.
    ///
    /// Throws ``VaultError`` `notInitialized`, `sealed` (no key), `wrongMasterKey` or a store failure.
    public static func open(
        store: any CredentialStore,
        masterKey: MasterKey?,
        configuration: Configuration = Configuration(),
        now: @escaping @Sendable () -> Timestamp = { Timestamp.now() }
    ) async throws -> Vault {
        guard let keyring = try await store.keyring() else { throw VaultError.notInitialized(location: store.location) }
        guard let masterKey else { throw VaultError.sealed(location: store.location) }
        guard let cipher = EnvelopeCipher.unwrap(keyring.wrappedDataKey, with: masterKey) else {
            throw VaultError.wrongMasterKey(
                location: store.location, expected: keyring.masterKeyID, given: masterKey.id)
        }
        let vault = Vault(store: store, cipher: cipher, configuration: configuration, now: now)
        try await vault.reload()
        return vault
    }

    /// Creates a vault in an empty store: a new random data key wrapped under `masterKey`.
    public static func initialize(
        store: any CredentialStore,
        masterKey: MasterKey,
        by actor: VaultActor,
        configuration: Configuration = Configuration(),
        now: @escaping @Sendable () -> Timestamp = { Timestamp.now() }
    ) async throws -> Vault {
        let (cipher, wrapped) = EnvelopeCipher.newDataKey(wrappedWith: masterKey)
        let time = now()
        try await store.createKeyring(
            VaultKeyring(masterKeyID: masterKey.id, wrappedDataKey: wrapped, createdAt: time),
            audit: AuditRecord(at: time, actor: actor, action: .initialize, path: nil, version: nil)
        )
        return Vault(store: store, cipher: cipher, configuration: configuration, now: now)
    }

    /// Re-wraps the data key under `newKey` in one transaction. Secrets are not re-encrypted, so
    /// every one stays readable; running it again after an interrupted or completed run answers
    /// ``Rotation/alreadyRotated``.
    public static func rotateMasterKey(
        store: any CredentialStore,
        from currentKey: MasterKey?,
        to newKey: MasterKey,
        by actor: VaultActor,
        now: @escaping @Sendable () -> Timestamp = { Timestamp.now() }
    ) async throws -> Rotation {
        guard let keyring = try await store.keyring() else { throw VaultError.notInitialized(location: store.location) }
        if EnvelopeCipher.unwrap(keyring.wrappedDataKey, with: newKey) != nil { return .alreadyRotated }
        guard let currentKey else { throw VaultError.sealed(location: store.location) }
        guard let cipher = EnvelopeCipher.unwrap(keyring.wrappedDataKey, with: currentKey) else {
            throw VaultError.wrongMasterKey(
                location: store.location, expected: keyring.masterKeyID, given: currentKey.id)
        }
        let time = now()
        let replacement = VaultKeyring(
            masterKeyID: newKey.id,
            wrappedDataKey: cipher.rewrap(with: newKey),
            createdAt: keyring.createdAt,
            rotatedAt: time
        )
        let replaced = try await store.replaceKeyring(
            replacement,
            expectedMasterKeyID: keyring.masterKeyID,
            audit: AuditRecord(at: time, actor: actor, action: .rotateMaster, path: nil, version: nil)
        )
        if !replaced {
            // Another rotation won the race; succeed only if it rotated to the same key.
            guard let current = try await store.keyring(),
                EnvelopeCipher.unwrap(current.wrappedDataKey, with: newKey) != nil
            else {
                throw VaultError.storeFailure("the keyring changed during the rotation; run it again")
            }
            return .alreadyRotated
        }
        return .rotated
    }

    // MARK: Reads (memory only)

    public func secret(for reference: SecretReference) throws -> Secret? {
        guard case .vault(let path) = reference else { return nil }
        guard let entry = try self.entry(path) else { return nil }
        if let expiresAt = entry.metadata.expiresAt, expiresAt <= self.now() {
            throw VaultError.expired(path: path, at: expiresAt)
        }
        return entry.secret
    }

    /// The current value and metadata of `path`, expired or not (for adapters that renew tokens);
    /// `nil` when there is none. Throws ``VaultError/tampered(path:version:)`` for a value that
    /// did not authenticate.
    public func entry(_ path: String) throws(VaultError) -> Entry? {
        switch self.state.withLock({ $0.entries[path] }) {
        case nil: return nil
        case .readable(let entry): return entry
        case .unreadable(let error): throw error
        }
    }

    /// Secrets whose current version did not open at the last load (tampered or copied values).
    public var problems: [VaultError] { self.state.withLock { $0.problems } }

    // MARK: Writes

    /// Writes a new version of `path`.
    @discardableResult
    public func put(_ path: String, _ value: Secret, expiresAt: Timestamp? = nil, by actor: VaultActor) async throws
        -> SecretMetadata
    {
        try await self.put([Item(path: path, value: value, expiresAt: expiresAt)], by: actor)[0]
    }

    /// Writes new versions of several secrets atomically: all or none. Under `lease`, only while
    /// that lease is still held (else ``VaultError/leaseLost(_:)`` and nothing is written).
    @discardableResult
    public func put(_ items: [Item], by actor: VaultActor, under lease: Lease? = nil) async throws -> [SecretMetadata] {
        var seen = Set<String>()
        for item in items {
            _ = try VaultPath.validated(item.path)
            guard seen.insert(item.path).inserted else { throw VaultError.duplicatePath(item.path) }
            guard !item.value.isEmpty else { throw VaultError.emptyValue }
            guard item.value.withBytes({ $0.count }) <= self.configuration.maxValueBytes else {
                throw VaultError.tooLarge(limit: self.configuration.maxValueBytes)
            }
        }
        let cipher = self.cipher
        let writes = items.map { item in
            SecretWrite(path: item.path, expiresAt: item.expiresAt) { version in
                cipher.seal(item.value, path: item.path, version: version)
            }
        }
        return try await self.offLoop {
            try await self.writes.run {
                let written = try await self.store.write(
                    writes, by: actor, at: self.now(), keepVersions: self.configuration.keepVersions, under: lease
                )
                self.state.withLock { state in
                    for (item, metadata) in zip(items, written) {
                        state.entries[item.path] = .readable(Entry(secret: item.value, metadata: metadata))
                    }
                    state.localWrites &+= 1
                }
                return written
            }
        }
    }

    /// Deletes every version of `path`; throws ``VaultError/notFound(path:)`` when there is none.
    public func delete(_ path: String, by actor: VaultActor) async throws {
        _ = try VaultPath.validated(path)
        let audit = AuditRecord(at: self.now(), actor: actor, action: .delete, path: path, version: nil)
        try await self.offLoop {
            try await self.writes.run {
                guard try await self.store.delete(path, audit: audit) else { throw VaultError.notFound(path: path) }
                self.state.withLock { state in
                    state.entries[path] = nil
                    state.localWrites &+= 1
                }
            }
        }
    }

    // MARK: Listing, reveal, audit (store reads)

    /// Metadata of every secret, never values.
    public func list() async throws -> [SecretMetadata] { try await self.store.list() }

    /// Reads a value from the store for an operator, recording the reveal in the audit table first.
    public func reveal(_ path: String, version: Int? = nil, by actor: VaultActor) async throws -> Entry {
        _ = try VaultPath.validated(path)
        guard let stored = try await self.store.secret(path, version: version) else {
            throw VaultError.notFound(path: path)
        }
        let secret = try self.cipher.open(stored.sealed, path: path, version: stored.metadata.version)
        try await self.store.appendAudit(
            AuditRecord(at: self.now(), actor: actor, action: .reveal, path: path, version: stored.metadata.version)
        )
        return Entry(secret: secret, metadata: stored.metadata)
    }

    /// A kept version of `path` for internal use (e.g. keys being rotated out); not audited.
    public func version(_ path: String, _ version: Int) async throws -> Entry? {
        guard let stored = try await self.store.secret(path, version: version) else { return nil }
        return Entry(
            secret: try self.cipher.open(stored.sealed, path: path, version: version), metadata: stored.metadata)
    }

    /// The newest audit records first.
    public func auditLog(limit: Int = 100) async throws -> [AuditRecord] { try await self.store.auditLog(limit: limit) }

    // MARK: Following other processes

    /// Reloads the cache when another process changed the store; `true` when it did. Throws
    /// ``VaultError/storeUnreachable(_:)`` when the store is gone (the cache is kept meanwhile).
    @discardableResult
    public func reloadIfChanged() async throws -> Bool {
        let token = try await self.store.changeToken()
        guard self.state.withLock({ $0.changeToken }) != token else { return false }
        try await self.reload()
        return true
    }

    /// Runs store work that may block (SQLite's fsync on a durable write) on the global
    /// executor: a proxy call that renews a credential runs on its connection's event loop
    /// (the server prefers it), and a write must never stall that loop.
    private func offLoop<T>(_ body: () async throws -> T) async throws -> T {
        try await withTaskExecutorPreference(globalConcurrentExecutor) { try await body() }
    }

    /// Opens every current version into the cache.
    public func reload() async throws {
        try await self.offLoop { try await self.writes.run { try await self.load() } }
    }

    private func load() async throws {
        let writesBefore = self.state.withLock { $0.localWrites }
        let token = try await self.store.changeToken()
        let stored = try await self.store.currentSecrets()
        var entries: [String: CacheEntry] = [:]
        var problems: [VaultError] = []
        for secret in stored {
            let path = secret.metadata.path
            do {
                let value = try self.cipher.open(secret.sealed, path: path, version: secret.metadata.version)
                entries[path] = .readable(Entry(secret: value, metadata: secret.metadata))
            } catch {
                entries[path] = .unreadable(error)
                problems.append(error)
            }
        }
        self.state.withLock { state in
            guard state.localWrites == writesBefore else {
                // A write landed while loading: keep its entry and load again next time.
                state.changeToken = nil
                return
            }
            state.entries = entries
            state.changeToken = token
            state.problems = problems
        }
    }
}
