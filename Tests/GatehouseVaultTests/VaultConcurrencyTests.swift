import GatehouseCore
@testable import GatehouseSQLite
import Testing

/// The real SQLite store with a random pause after each write and read returns, the way a
/// loaded machine schedules them: a write that committed first may resume last.
struct JitteryStore: CredentialStore {
    let inner: any CredentialStore

    var location: String { self.inner.location }

    private func jitter() async { try? await Task.sleep(for: .microseconds(Int.random(in: 0...3_000))) }

    func keyring() async throws -> VaultKeyring? { try await self.inner.keyring() }
    func createKeyring(_ keyring: VaultKeyring, audit: AuditRecord) async throws {
        try await self.inner.createKeyring(keyring, audit: audit)
    }
    func replaceKeyring(_ keyring: VaultKeyring, expectedMasterKeyID: String, audit: AuditRecord) async throws -> Bool {
        try await self.inner.replaceKeyring(keyring, expectedMasterKeyID: expectedMasterKeyID, audit: audit)
    }
    func write(
        _ writes: [SecretWrite], by actor: VaultActor, at time: Timestamp, keepVersions: Int, under lease: Lease?
    ) async throws -> [SecretMetadata] {
        let written = try await self.inner.write(writes, by: actor, at: time, keepVersions: keepVersions, under: lease)
        await self.jitter()
        return written
    }
    func delete(_ path: String, audit: AuditRecord) async throws -> Bool {
        let deleted = try await self.inner.delete(path, audit: audit)
        await self.jitter()
        return deleted
    }
    func currentSecrets() async throws -> [StoredSecret] {
        let secrets = try await self.inner.currentSecrets()
        await self.jitter()
        return secrets
    }
    func secret(_ path: String, version: Int?) async throws -> StoredSecret? {
        try await self.inner.secret(path, version: version)
    }
    func list() async throws -> [SecretMetadata] { try await self.inner.list() }
    func appendAudit(_ record: AuditRecord) async throws { try await self.inner.appendAudit(record) }
    func auditLog(limit: Int) async throws -> [AuditRecord] { try await self.inner.auditLog(limit: limit) }
    func changeToken() async throws -> Int64 { try await self.inner.changeToken() }
    func acquireLease(_ name: String, holder: String, milliseconds: Int64) async throws -> LeaseAcquisition {
        try await self.inner.acquireLease(name, holder: holder, milliseconds: milliseconds)
    }
    func releaseLease(_ lease: Lease) async throws { try await self.inner.releaseLease(lease) }
    func snapshot() async throws -> VaultSnapshot { try await self.inner.snapshot() }
    func restore(_ snapshot: VaultSnapshot) async throws { try await self.inner.restore(snapshot) }
}

@Suite(.timeLimit(.minutes(2))) struct VaultConcurrencyTests {
    /// Puts on one path from several tasks, with reloads racing them: afterwards the cached
    /// value is the store's newest version, never one a slower put left behind.
    @Test(arguments: StoreKind.allCases) func concurrentPutsAndReloadsLeaveTheNewestVersionCached(_ kind: StoreKind)
        async throws
    {
        let test = try await TestVault.make(kind, keepVersions: 3)
        let vault = try await Vault.open(store: JitteryStore(inner: test.store), masterKey: test.key)
        for round in 0..<8 {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<6 {
                    group.addTask {
                        for n in 0..<4 {
                            try await vault.put(
                                "crm/token", Secret("round \(round) writer \(writer) put \(n)"), by: TestVault.actor)
                        }
                    }
                }
                group.addTask {
                    for _ in 0..<3 { try await vault.reload() }
                }
                try await group.waitForAll()
            }
            let newest = try #require(try await test.store.secret("crm/token", version: nil))
            let cached = try #require(try vault.entry("crm/token"))
            #expect(cached.metadata.version == newest.metadata.version, "round \(round)")
            let stored = try await vault.version("crm/token", newest.metadata.version)
            #expect(cached.secret.reveal() == stored?.secret.reveal(), "round \(round)")
        }
    }

    /// A delete racing puts: the cache holds a value exactly when the store does.
    @Test(arguments: StoreKind.allCases) func aDeleteRacingPutsLeavesTheCacheAsTheStore(_ kind: StoreKind) async throws
    {
        let test = try await TestVault.make(kind)
        let vault = try await Vault.open(store: JitteryStore(inner: test.store), masterKey: test.key)
        for round in 0..<10 {
            try await vault.put("crm/token", Secret("seed \(round)"), by: TestVault.actor)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<3 {
                    group.addTask {
                        try await vault.put("crm/token", Secret("round \(round) writer \(writer)"), by: TestVault.actor)
                    }
                }
                group.addTask { try? await vault.delete("crm/token", by: TestVault.actor) }
                try await group.waitForAll()
            }
            let newest = try await test.store.secret("crm/token", version: nil)
            let cached = try vault.entry("crm/token")
            #expect(cached?.metadata.version == newest?.metadata.version, "round \(round)")
        }
    }
}
