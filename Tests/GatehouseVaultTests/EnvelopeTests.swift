import Foundation
import GatehouseCore
@testable import GatehouseSQLite
import GatehousePostgres
import GatehouseTestSupport
import Testing

@Suite struct EnvelopeTests {
    @Test(arguments: StoreKind.allCases) func aValueReadsBackAndNothingIsPlaintextAtRest(_ kind: StoreKind) async throws
    {
        let test = try await TestVault.make(kind)
        let canary = "CANARY-" + UUID().uuidString
        for round in 0..<20 {
            try await test.vault.put("canary/secret", Secret("\(canary)-\(round)"), by: TestVault.actor)
        }
        try await test.vault.put("canary/other", Secret(canary), by: TestVault.actor)
        #expect(try test.vault.secret(for: .vault("canary/secret"))?.reveal() == "\(canary)-19")
        let reopened = try await test.reopen()
        #expect(try reopened.secret(for: .vault("canary/other"))?.reveal() == canary)
        let search = try await test.storeFiles(containing: Array("CANARY-".utf8))
        if kind == .sqlite { #expect(search.searched == 3, "expected the database, -wal and -shm files") }
        #expect(search.searched > 0)
        #expect(search.found.isEmpty, "plaintext found in \(search.found)")
    }

    @Test(arguments: StoreKind.allCases) func everyFlippedByteOfASealedValueFailsThatRead(_ kind: StoreKind)
        async throws
    {
        let test = try await TestVault.make(kind)
        try await test.vault.put("k2/password", Secret("correct horse battery staple"), by: TestVault.actor)
        try await test.vault.put("k2/username", Secret("AN1"), by: TestVault.actor)
        let sealed = try #require(
            try await test.sql("SELECT sealed FROM secret_versions WHERE path = 'k2/password'").first?.first?.blob)
        let expectedLength = 1 + 12 + 28 + 16  // format, nonce, ciphertext, tag
        #expect(sealed.count == expectedLength)
        for index in sealed.indices {
            var flipped = sealed
            flipped[index] ^= 0x01
            try await test.sql("UPDATE secret_versions SET sealed = ? WHERE path = 'k2/password'", [.blob(flipped)])
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
        try await test.sql("UPDATE secret_versions SET sealed = ? WHERE path = 'k2/password'", [.blob(sealed)])
        #expect(try await test.reopen().secret(for: .vault("k2/password"))?.reveal() == "correct horse battery staple")
    }

    @Test(arguments: StoreKind.allCases) func aCiphertextCopiedToAnotherPathOrVersionDoesNotOpen(_ kind: StoreKind)
        async throws
    {
        let test = try await TestVault.make(kind)
        try await test.vault.put("crm/token", Secret("token-value"), by: TestVault.actor)
        try await test.vault.put("crm/token", Secret("token-value-2"), by: TestVault.actor)
        try await test.vault.put("billing/token", Secret("billing-value"), by: TestVault.actor)
        // Copy crm/token v2's ciphertext onto billing/token v1.
        try await test.sql(
            """
            UPDATE secret_versions SET sealed = (SELECT sealed FROM secret_versions WHERE path = 'crm/token' AND \
            version = 2) WHERE path = 'billing/token'
            """
        )
        let vault = try await test.reopen()
        #expect(throws: VaultError.tampered(path: "billing/token", version: 1)) { try vault.entry("billing/token") }
        // Copy crm/token v1's ciphertext onto its own v2 (a rollback attempt).
        try await test.sql(
            """
            UPDATE secret_versions SET sealed = (SELECT sealed FROM secret_versions WHERE path = 'crm/token' AND \
            version = 1) WHERE path = 'crm/token' AND version = 2
            """
        )
        let again = try await test.reopen()
        #expect(throws: VaultError.tampered(path: "crm/token", version: 2)) { try again.entry("crm/token") }
    }

    @Test(arguments: StoreKind.allCases) func aWrongOrMissingMasterKeyIsRefusedClearly(_ kind: StoreKind) async throws {
        let test = try await TestVault.make(kind)
        try await test.vault.put("a/b", Secret("value"), by: TestVault.actor)
        let other = MasterKey.generate()
        await #expect(
            throws: VaultError.wrongMasterKey(location: test.location, expected: test.key.id, given: other.id)
        ) {
            try await test.reopen(key: other)
        }
        await #expect(throws: VaultError.sealed(location: test.location)) {
            try await Vault.open(store: try await test.openStore(), masterKey: nil)
        }
        // A tampered keyring reads as a wrong key, never as wrong plaintext.
        let wrapped = try #require(try await test.sql("SELECT wrapped_data_key FROM keyring").first?.first?.blob)
        var flipped = wrapped
        flipped[20] ^= 0x80
        try await test.sql("UPDATE keyring SET wrapped_data_key = ?", [.blob(flipped)])
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
            let mode = try #require(
                try FileManager.default.attributesOfItem(atPath: test.path + suffix)[.posixPermissions] as? Int)
            #expect(mode & 0o077 == 0, "\(suffix) has mode \(String(mode, radix: 8))")
        }
        let directoryMode = try #require(
            try FileManager.default.attributesOfItem(atPath: test.directory + "/state")[.posixPermissions] as? Int
        )
        #expect(directoryMode == 0o700)
    }

    @Test func theSchemaIsVersionedAndANewerOneIsRefused() async throws {
        let test = try await TestVault.make()
        #expect(
            try await test.sql("PRAGMA user_version").first?.first?.integer
                == Int64(SQLiteCredentialStore.schemaVersion))
        #expect(try await test.sql("PRAGMA journal_mode").first?.first?.text == "wal")
        try await test.sql("PRAGMA user_version = 99")
        #expect(throws: VaultError.schemaTooNew(found: 99, supported: SQLiteCredentialStore.schemaVersion)) {
            try SQLiteCredentialStore(path: test.path, create: false)
        }
    }

    @Test func postgresInitRefusesToOverwriteAndOpeningNothingSaysInit() async throws {
        let test = try await TestVault.make(.postgres)
        await #expect(throws: VaultError.alreadyInitialized(location: test.location)) {
            try await Vault.initialize(store: test.store, masterKey: MasterKey.generate(), by: TestVault.actor)
        }
        #expect(try await test.reopen().list().isEmpty)
        // An empty database is migrated on connect but holds no vault until `vault init`.
        let empty = try await TestPostgres.freshDatabase()
        let store = try await PostgresCredentialStore.connect(url: try PostgresURL(empty))
        await #expect(throws: VaultError.notInitialized(location: try PostgresURL(empty).redacted)) {
            try await Vault.open(store: store, masterKey: test.key)
        }
    }

    @Test func postgresSchemaIsVersionedAndANewerOneIsRefused() async throws {
        let test = try await TestVault.make(.postgres)
        #expect(
            try await test.sql("SELECT version FROM gatehouse_schema").first?.first?.integer
                == Int64(PostgresCredentialStore.schemaVersion))
        // Connecting again (another instance starting) migrates nothing and keeps the data.
        try await test.vault.put("a/b", Secret("kept"), by: TestVault.actor)
        #expect(try await test.reopen().secret(for: .vault("a/b"))?.reveal() == "kept")
        try await test.sql("UPDATE gatehouse_schema SET version = 99")
        await #expect(throws: VaultError.schemaTooNew(found: 99, supported: PostgresCredentialStore.schemaVersion)) {
            try await PostgresCredentialStore.connect(url: try PostgresURL(test.url))
        }
    }

    @Test func postgresURLsAreParsedAndNeverShowThePassword() throws {
        let url = try PostgresURL(
            "postgres://gate%40house:p%2Fss@db.example:6543/vault?sslmode=verify-full&sslrootcert=/etc/ca.pem")
        #expect(url.username == "gate@house")
        #expect(url.password == "p/ss")
        #expect(url.host == "db.example")
        #expect(url.port == 6543)
        #expect(url.database == "vault")
        #expect(url.sslMode == .verifyFull)
        #expect(url.rootCertificateFile == "/etc/ca.pem")
        #expect(!url.redacted.contains("p/ss") && !url.redacted.contains("p%2Fss"))
        #expect(try PostgresURL("postgresql://u@h").sslMode == .prefer)
        #expect(try PostgresURL("postgresql://u@h").database == "u")
        #expect(try PostgresURL("postgresql://u@h").connectTimeout == nil)
        #expect(try PostgresURL("postgres://u@h/db?connect_timeout=7").connectTimeout == .seconds(7))
        #expect(try PostgresURL("postgres://u@h/db?connect_timeout=1").connectTimeout == .seconds(2))
        for bad in [
            "mysql://u@h/db", "postgres://h/db", "postgres://u@h/db?sslmode=sometimes", "postgres://u@h/db?options=x",
            "postgres://u@h:0/db", "postgres://u@h/db?connect_timeout=0", "postgres://u@h/db?connect_timeout=5s",
            "postgres://u@h/db?connect_timeout=99999999999999999999", "postgres://u@h/db?connect_timeout=",
        ] {
            #expect(throws: VaultError.self, "\(bad)") { try PostgresURL(bad) }
        }
    }
}
