internal import CGatehouseSQLite
import Dispatch
import GatehouseCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The embedded vault store: one SQLite file in WAL mode with `synchronous=FULL`, so a write
/// that returned survives a crash or power loss, and a killed writer leaves the old or the new
/// value, never a torn one. The file and its `-wal`/`-shm` companions are created with mode 0600.
///
/// ```swift
/// let store = try SQLiteCredentialStore(path: ".gatehouse/vault.db", create: true)
/// let vault = try await Vault.initialize(store: store, masterKey: key, by: VaultActor(name: "ops", source: .cli))
/// ```
public final class SQLiteCredentialStore: CredentialStore, @unchecked Sendable {
    // @unchecked: the SQLite connection is used only on `queue`, one call at a time.
    /// The schema version this build writes; older files are migrated on open.
    public static let schemaVersion = SQLiteSchema.migrations.count

    public let location: String
    private let path: String
    private let database: SQLiteDatabase
    private let queue = DispatchQueue(label: "gatehouse.vault.sqlite")
    private let fileIdentity: (device: UInt64, inode: UInt64)

    /// Opens the store at `path`. With `create`, a missing file (and its directory) is created
    /// with owner-only permissions; without it, a missing file is ``VaultError/notInitialized(location:)``.
    public init(path: String, create: Bool) throws(VaultError) {
        self.path = path
        self.location = "sqlite:" + path
        if create {
            try Self.createPrivately(path)
        } else if access(path, F_OK) != 0 {
            throw .notInitialized(location: self.location)
        }
        do {
            self.database = try SQLiteDatabase(path: path, create: false)
            try self.database.execute("PRAGMA busy_timeout = 10000")
            guard try self.database.scalar("PRAGMA journal_mode = WAL")?.text?.lowercased() == "wal" else {
                throw SQLiteError(code: 0, message: "the file cannot use write-ahead logging")
            }
            try self.database.execute("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON")
            try SQLiteSchema.migrate(self.database)
        } catch let error as VaultError {
            throw error
        } catch {
            throw .storeFailure("\(self.location): \(error)")
        }
        guard let identity = Self.identity(of: path) else {
            throw .storeUnreachable("\(path) disappeared while opening")
        }
        self.fileIdentity = identity
    }

    private static func createPrivately(_ path: String) throws(VaultError) {
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            let directory = String(path[..<slash])
            var components: [Substring] = []
            for component in directory.split(separator: "/", omittingEmptySubsequences: false) {
                components.append(component)
                let partial = components.joined(separator: "/")
                guard !partial.isEmpty, access(partial, F_OK) != 0 else { continue }
                guard mkdir(partial, 0o700) == 0 || errno == EEXIST else {
                    throw .storeFailure("cannot create directory \(partial): \(String(cString: strerror(errno)))")
                }
            }
        }
        // Created 0600 before SQLite sees it: SQLite gives the -wal and -shm files the same mode.
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .storeFailure("cannot create \(path): \(String(cString: strerror(errno)))") }
        close(descriptor)
    }

    private static func identity(of path: String) -> (device: UInt64, inode: UInt64)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (UInt64(info.st_dev), UInt64(info.st_ino))
    }

    func run<T: Sendable>(_ body: @escaping @Sendable (SQLiteDatabase) throws -> T) async throws -> T {
        let database = self.database
        let location = self.location
        return try await withCheckedThrowingContinuation { continuation in
            self.queue.async {
                do {
                    continuation.resume(returning: try body(database))
                } catch let error as VaultError {
                    continuation.resume(throwing: error)
                } catch {
                    continuation.resume(throwing: VaultError.storeFailure("\(location): \(error)"))
                }
            }
        }
    }

    // MARK: Keyring

    public func keyring() async throws -> VaultKeyring? {
        try await self.run { database in
            guard
                let row = try database.query(
                    "SELECT master_key_id, wrapped_data_key, created_at, rotated_at FROM keyring WHERE id = 1"
                ).first
            else { return nil }
            return VaultKeyring(
                masterKeyID: row[0].text ?? "",
                wrappedDataKey: row[1].blob ?? [],
                createdAt: Timestamp(seconds: row[2].integer ?? 0),
                rotatedAt: row[3].integer.map(Timestamp.init(seconds:))
            )
        }
    }

    public func createKeyring(_ keyring: VaultKeyring, audit: AuditRecord) async throws {
        let location = self.location
        try await self.run { database in
            try database.transaction {
                guard try database.scalar("SELECT count(*) FROM keyring")?.integer == 0 else {
                    throw VaultError.alreadyInitialized(location: location)
                }
                try database.query(
                    "INSERT INTO keyring (id, master_key_id, wrapped_data_key, created_at) VALUES (1, ?, ?, ?)",
                    [.text(keyring.masterKeyID), .blob(keyring.wrappedDataKey), .integer(keyring.createdAt.seconds)]
                )
                try Self.insert(audit, into: database)
            }
        }
    }

    public func replaceKeyring(_ keyring: VaultKeyring, expectedMasterKeyID: String, audit: AuditRecord) async throws
        -> Bool
    {
        try await self.run { database in
            try database.transaction {
                try database.query(
                    """
                    UPDATE keyring SET master_key_id = ?, wrapped_data_key = ?, rotated_at = ? WHERE id = 1 AND \
                    master_key_id = ?
                    """,
                    [
                        .text(keyring.masterKeyID), .blob(keyring.wrappedDataKey),
                        keyring.rotatedAt.map { .integer($0.seconds) } ?? .null, .text(expectedMasterKeyID),
                    ]
                )
                guard database.changes == 1 else { return false }
                try Self.insert(audit, into: database)
                return true
            }
        }
    }

    // MARK: Secrets

    public func write(
        _ writes: [SecretWrite], by actor: VaultActor, at time: Timestamp, keepVersions: Int, under lease: Lease?
    ) async throws -> [SecretMetadata] {
        let keep = max(1, keepVersions)
        return try await self.run { database in
            try database.transaction {
                if let lease {
                    // The fence, not the expiry: a late holder may still write while no one took over.
                    let held = try database.query(
                        "SELECT 1 FROM leases WHERE name = ? AND holder = ? AND fence = ?",
                        [.text(lease.name), .text(lease.holder), .integer(lease.fence)]
                    )
                    guard !held.isEmpty else { throw VaultError.leaseLost(lease.name) }
                }
                var written: [SecretMetadata] = []
                for write in writes {
                    let existing = try database.query(
                        "SELECT current_version, created_at FROM secrets WHERE path = ?", [.text(write.path)]
                    ).first
                    let version = Int(existing?[0].integer ?? 0) + 1
                    let createdAt = existing?[1].integer ?? time.seconds
                    if existing == nil {
                        try database.query(
                            "INSERT INTO secrets (path, current_version, created_at) VALUES (?, ?, ?)",
                            [.text(write.path), .integer(Int64(version)), .integer(createdAt)]
                        )
                    } else {
                        try database.query(
                            "UPDATE secrets SET current_version = ? WHERE path = ?",
                            [.integer(Int64(version)), .text(write.path)]
                        )
                    }
                    try database.query(
                        """
                        INSERT INTO secret_versions (path, version, sealed, created_at, expires_at, origin) VALUES \
                        (?, ?, ?, ?, ?, ?)
                        """,
                        [
                            .text(write.path), .integer(Int64(version)), .blob(write.seal(version)),
                            .integer(time.seconds),
                            write.expiresAt.map { .integer($0.seconds) } ?? .null, .text(actor.source.rawValue),
                        ]
                    )
                    try database.query(
                        "DELETE FROM secret_versions WHERE path = ? AND version <= ?",
                        [.text(write.path), .integer(Int64(version - keep))]
                    )
                    try Self.insert(
                        AuditRecord(at: time, actor: actor, action: .put, path: write.path, version: version),
                        into: database)
                    written.append(
                        SecretMetadata(
                            path: write.path,
                            version: version,
                            createdAt: Timestamp(seconds: createdAt),
                            updatedAt: time,
                            expiresAt: write.expiresAt,
                            source: actor.source,
                            versionsKept: min(version, keep)
                        )
                    )
                }
                return written
            }
        }
    }

    public func delete(_ path: String, audit: AuditRecord) async throws -> Bool {
        try await self.run { database in
            try database.transaction {
                try database.query("DELETE FROM secret_versions WHERE path = ?", [.text(path)])
                try database.query("DELETE FROM secrets WHERE path = ?", [.text(path)])
                guard database.changes == 1 else { return false }
                try Self.insert(audit, into: database)
                return true
            }
        }
    }

    private static let selectSecret = """
        SELECT s.path, v.version, s.created_at, v.created_at, v.expires_at, v.origin,
               (SELECT count(*) FROM secret_versions c WHERE c.path = s.path), v.sealed
        FROM secrets s JOIN secret_versions v ON v.path = s.path
        """

    private static func stored(_ row: [SQLiteValue]) -> StoredSecret {
        StoredSecret(
            metadata: SecretMetadata(
                path: row[0].text ?? "",
                version: Int(row[1].integer ?? 0),
                createdAt: Timestamp(seconds: row[2].integer ?? 0),
                updatedAt: Timestamp(seconds: row[3].integer ?? 0),
                expiresAt: row[4].integer.map(Timestamp.init(seconds:)),
                source: ChangeSource(rawValue: row[5].text ?? "") ?? .cli,
                versionsKept: Int(row[6].integer ?? 0)
            ),
            sealed: row[7].blob ?? []
        )
    }

    public func currentSecrets() async throws -> [StoredSecret] {
        try await self.run { database in
            try database.query(Self.selectSecret + " AND v.version = s.current_version ORDER BY s.path").map(
                Self.stored)
        }
    }

    public func secret(_ path: String, version: Int?) async throws -> StoredSecret? {
        try await self.run { database in
            if let version {
                return try database.query(
                    Self.selectSecret + " AND v.version = ? WHERE s.path = ?", [.integer(Int64(version)), .text(path)]
                )
                .first.map(Self.stored)
            }
            return try database.query(
                Self.selectSecret + " AND v.version = s.current_version WHERE s.path = ?", [.text(path)]
            )
            .first.map(Self.stored)
        }
    }

    public func list() async throws -> [SecretMetadata] {
        try await self.currentSecrets().map(\.metadata)
    }

    // MARK: Audit

    public func appendAudit(_ record: AuditRecord) async throws {
        try await self.run { database in try Self.insert(record, into: database) }
    }

    public func auditLog(limit: Int) async throws -> [AuditRecord] {
        try await self.run { database in
            try database.query(
                "SELECT at, actor, origin, action, path, version FROM audit ORDER BY id DESC LIMIT ?",
                [.integer(Int64(max(0, limit)))]
            ).map { row in
                AuditRecord(
                    at: Timestamp(seconds: row[0].integer ?? 0),
                    actor: VaultActor(
                        name: row[1].text ?? "", source: ChangeSource(rawValue: row[2].text ?? "") ?? .cli),
                    action: AuditRecord.Action(rawValue: row[3].text ?? "") ?? .put,
                    path: row[4].text,
                    version: row[5].integer.map { Int($0) }
                )
            }
        }
    }

    static func insert(_ record: AuditRecord, into database: SQLiteDatabase) throws {
        try database.query(
            "INSERT INTO audit (at, actor, origin, action, path, version) VALUES (?, ?, ?, ?, ?, ?)",
            [
                .integer(record.at.seconds), .text(record.actor.name), .text(record.actor.source.rawValue),
                .text(record.action.rawValue),
                record.path.map { .text($0) } ?? .null, record.version.map { .integer(Int64($0)) } ?? .null,
            ]
        )
    }

    // MARK: Leases

    /// The wall clock in milliseconds: every process on one file shares the machine's clock.
    static func nowMilliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) &* 1000 &+ Int64(spec.tv_nsec / 1_000_000)
    }

    public func acquireLease(_ name: String, holder: String, milliseconds: Int64) async throws -> LeaseAcquisition {
        let duration = min(max(milliseconds, 1), 86_400_000)
        return try await self.run { database in
            try database.transaction {
                let now = Self.nowMilliseconds()
                try database.query(
                    """
                    INSERT INTO leases (name, holder, expires_at_ms, fence) VALUES (?1, ?2, ?3 + ?4, 1)
                    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at_ms = excluded.expires_at_ms, \
                    fence = fence + 1
                    WHERE holder IS NULL OR expires_at_ms <= ?3 OR holder = excluded.holder
                    """,
                    [.text(name), .text(holder), .integer(now), .integer(duration)]
                )
                guard
                    let row = try database.query(
                        "SELECT holder, expires_at_ms, fence FROM leases WHERE name = ?", [.text(name)]
                    ).first
                else {
                    throw VaultError.storeFailure("the lease \(name) vanished")
                }
                if row[0].text == holder {
                    return .acquired(Lease(name: name, holder: holder, fence: row[2].integer ?? 0))
                }
                return .held(by: row[0].text ?? "", remainingMilliseconds: max(0, (row[1].integer ?? 0) &- now))
            }
        }
    }

    public func releaseLease(_ lease: Lease) async throws {
        try await self.run { database in
            _ = try database.query(
                "UPDATE leases SET holder = NULL, expires_at_ms = 0 WHERE name = ? AND holder = ? AND fence = ?",
                [.text(lease.name), .text(lease.holder), .integer(lease.fence)]
            )
        }
    }

    // MARK: Change detection

    public func changeToken() async throws -> Int64 {
        let path = self.path
        let expected = self.fileIdentity
        return try await self.run { database in
            // A removed or replaced file would leave this process writing to a ghost copy.
            guard let identity = Self.identity(of: path) else {
                throw VaultError.storeUnreachable("\(path) was removed")
            }
            guard identity == expected else {
                throw VaultError.storeUnreachable("\(path) was replaced by another file")
            }
            guard let version = try database.scalar("PRAGMA data_version")?.integer else {
                throw VaultError.storeUnreachable("\(path) does not answer")
            }
            return version
        }
    }

    /// `PRAGMA integrity_check` (for tests and `vault check`): `ok` or SQLite's findings.
    public func integrityCheck() async throws -> String {
        try await self.run { database in
            try database.query("PRAGMA integrity_check").compactMap { $0.first?.text }.joined(separator: "; ")
        }
    }
}
