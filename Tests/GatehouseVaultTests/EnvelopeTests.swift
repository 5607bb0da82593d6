import Foundation
import GatehouseCore
@testable import GatehouseSQLite
import Testing

@Suite struct EnvelopeTests {
    @Test func aValueReadsBackAndNothingIsPlaintextAtRest() async throws {
        let test = try await TestVault.make()
        let canary = "CANARY-" + UUID().uuidString
        for round in 0..<20 { try await test.vault.put("canary/secret", Secret("\(canary)-\(round)"), by: TestVault.actor) }
        try await test.vault.put("canary/other", Secret(canary), by: TestVault.actor)
        #expect(try test.vault.secret(for: .vault("canary/secret"))?.reveal() == "\(canary)-19")
        let reopened = try await test.reopen()
        #expect(try reopened.secret(for: .vault("canary/other"))?.reveal() == canary)
        let files = test.filesOnDisk()
        #expect(files.count == 3, "expected the database, -wal and -shm files")
        for file in files {
            #expect(!file.bytes.contains(bytes: Array("CANARY-".utf8)), "plaintext found in \(file.name)")
        }
    }

    @Test func everyFlippedByteOfASealedValueFailsThatRead() async throws {
        let test = try await TestVault.make()
        try await test.vault.put("k2/password", Secret("correct horse battery staple"), by: TestVault.actor)
        try await test.vault.put("k2/username", Secret("AN1"), by: TestVault.actor)
        let sealed = try #require(try test.sql("SELECT sealed FROM secret_versions WHERE path = 'k2/password'").first?.first?.blob)
        let expectedLength = 1 + 12 + 28 + 16  // format, nonce, ciphertext, tag
        #expect(sealed.count == expectedLength)
        for index in sealed.indices {
            var flipped = sealed
            flipped[index] ^= 0x01
            try test.sql("UPDATE secret_versions SET sealed = ? WHERE path = 'k2/password'", [.blob(flipped)])
            let vault = try await test.reopen()
            #expect(throws: VaultError.tampered(path: "k2/password", version: 1)) { try vault.entry("k2/password") }
            #expect(throws: VaultError.self) { try vault.secret(for: .vault("k2/password")) }
            await #expect(throws: VaultError.tampered(path: "k2/password", version: 1)) {
                try await vault.reveal("k2/password", by: TestVault.actor)
            }
            // The other secret is unaffected.
            #expect(try vault.secret(for: .vault("k2/username"))?.reveal() == "AN1")
            #expect(vault.problems.count == 1)
        }
        try test.sql("UPDATE secret_versions SET sealed = ? WHERE path = 'k2/password'", [.blob(sealed)])
        #expect(try await test.reopen().secret(for: .vault("k2/password"))?.reveal() == "correct horse battery staple")
    }

    @Test func aCiphertextCopiedToAnotherPathOrVersionDoesNotOpen() async throws {
        let test = try await TestVault.make()
        try await test.vault.put("crm/token", Secret("token-value"), by: TestVault.actor)
        try await test.vault.put("crm/token", Secret("token-value-2"), by: TestVault.actor)
        try await test.vault.put("billing/token", Secret("billing-value"), by: TestVault.actor)
        // Copy crm/token v2's ciphertext onto billing/token v1.
        try test.sql(
            "UPDATE secret_versions SET sealed = (SELECT sealed FROM secret_versions WHERE path = 'crm/token' AND version = 2) WHERE path = 'billing/token'"
        )
        let vault = try await test.reopen()
        #expect(throws: VaultError.tampered(path: "billing/token", version: 1)) { try vault.entry("billing/token") }
        // Copy crm/token v1's ciphertext onto its own v2 (a rollback attempt).
        try test.sql(
            "UPDATE secret_versions SET sealed = (SELECT sealed FROM secret_versions WHERE path = 'crm/token' AND version = 1) WHERE path = 'crm/token' AND version = 2"
        )
        let again = try await test.reopen()
        #expect(throws: VaultError.tampered(path: "crm/token", version: 2)) { try again.entry("crm/token") }
    }

    @Test func aWrongOrMissingMasterKeyIsRefusedClearly() async throws {
        let test = try await TestVault.make()
        try await test.vault.put("a/b", Secret("value"), by: TestVault.actor)
        let other = MasterKey.generate()
        await #expect(throws: VaultError.wrongMasterKey(location: "sqlite:" + test.path, expected: test.key.id, given: other.id)) {
            try await test.reopen(key: other)
        }
        await #expect(throws: VaultError.sealed(location: "sqlite:" + test.path)) {
            try await Vault.open(store: try SQLiteCredentialStore(path: test.path, create: false), masterKey: nil)
        }
        // A tampered keyring reads as a wrong key, never as wrong plaintext.
        let wrapped = try #require(try test.sql("SELECT wrapped_data_key FROM keyring").first?.first?.blob)
        var flipped = wrapped
        flipped[20] ^= 0x80
        try test.sql("UPDATE keyring SET wrapped_data_key = ?", [.blob(flipped)])
        await #expect(throws: VaultError.self) { try await test.reopen() }
    }

    @Test func initRefusesToOverwriteAndOpeningNothingSaysInit() async throws {
        let test = try await TestVault.make()
        await #expect(throws: VaultError.alreadyInitialized(location: "sqlite:" + test.path)) {
            try await Vault.initialize(store: test.store, masterKey: MasterKey.generate(), by: TestVault.actor)
        }
        #expect(try await test.reopen().list().isEmpty)
        let missing = test.directory + "/none/vault.db"
        #expect(throws: VaultError.notInitialized(location: "sqlite:" + missing)) {
            try SQLiteCredentialStore(path: missing, create: false)
        }
    }

    @Test func filesAreOwnerOnly() async throws {
        let test = try await TestVault.make()
        try await test.vault.put("a/b", Secret("value"), by: TestVault.actor)
        for suffix in ["", "-wal", "-shm"] {
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: test.path + suffix)[.posixPermissions] as? Int)
            #expect(mode & 0o077 == 0, "\(suffix) has mode \(String(mode, radix: 8))")
        }
        let directoryMode = try #require(
            try FileManager.default.attributesOfItem(atPath: test.directory + "/state")[.posixPermissions] as? Int
        )
        #expect(directoryMode == 0o700)
    }

    @Test func theSchemaIsVersionedAndANewerOneIsRefused() async throws {
        let test = try await TestVault.make()
        #expect(try test.sql("PRAGMA user_version").first?.first?.integer == Int64(SQLiteCredentialStore.schemaVersion))
        #expect(try test.sql("PRAGMA journal_mode").first?.first?.text == "wal")
        try test.sql("PRAGMA user_version = 99")
        #expect(throws: VaultError.schemaTooNew(found: 99, supported: SQLiteCredentialStore.schemaVersion)) {
            try SQLiteCredentialStore(path: test.path, create: false)
        }
    }
}
