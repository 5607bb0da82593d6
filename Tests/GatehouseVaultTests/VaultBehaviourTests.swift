import Foundation
import GatehouseCore
@testable import GatehouseSQLite
import Testing

@Suite struct VaultBehaviourTests {
    @Test(arguments: StoreKind.allCases) func theLastNVersionsAreKeptWithMetadata(_ kind: StoreKind) async throws {
        let clock = TestClock()
        let test = try await TestVault.make(kind, keepVersions: 3, now: { clock.now })
        for round in 1...5 {
            clock.advance(60)
            let metadata = try await test.vault.put("crm/token", Secret("v\(round)"), by: TestVault.actor)
            #expect(metadata.version == round)
            #expect(metadata.versionsKept == min(round, 3))
        }
        let versions = try await test.sql(
            "SELECT version FROM secret_versions WHERE path = 'crm/token' ORDER BY version"
        ).compactMap { $0.first?.integer }
        #expect(versions == [3, 4, 5])
        #expect(try await test.vault.version("crm/token", 4)?.secret.reveal() == "v4")
        #expect(try await test.vault.version("crm/token", 1) == nil)
        let listed = try #require(try await test.vault.list().first)
        #expect(listed.path == "crm/token")
        #expect(listed.version == 5)
        #expect(listed.createdAt == Timestamp(seconds: 1_800_000_060))
        #expect(listed.updatedAt == Timestamp(seconds: 1_800_000_300))
        #expect(listed.source == .cli)
        #expect(listed.versionsKept == 3)
    }

    @Test(arguments: StoreKind.allCases) func expiredValuesAreNotServed(_ kind: StoreKind) async throws {
        let clock = TestClock()
        let test = try await TestVault.make(kind, now: { clock.now })
        try await test.vault.put(
            "oauth/access_token", Secret("tok"), expiresAt: clock.now.adding(seconds: 100), by: TestVault.actor)
        #expect(try test.vault.secret(for: .vault("oauth/access_token"))?.reveal() == "tok")
        clock.advance(100)
        #expect(throws: VaultError.expired(path: "oauth/access_token", at: Timestamp(seconds: 1_800_000_100))) {
            try test.vault.secret(for: .vault("oauth/access_token"))
        }
        // Adapters that renew tokens still see the entry and its expiry.
        #expect(try test.vault.entry("oauth/access_token")?.metadata.expiresAt == Timestamp(seconds: 1_800_000_100))
    }

    @Test(arguments: StoreKind.allCases) func badInputIsRefusedAndNothingIsWritten(_ kind: StoreKind) async throws {
        let test = try await TestVault.make(kind)
        for path in ["", "a//b", "../x", "a/./b", "a b", "a/é", String(repeating: "a", count: 300)] {
            await #expect(throws: VaultError.invalidPath(path)) {
                try await test.vault.put(path, Secret("v"), by: TestVault.actor)
            }
        }
        await #expect(throws: VaultError.emptyValue) {
            try await test.vault.put("a/b", Secret(""), by: TestVault.actor)
        }
        await #expect(throws: VaultError.tooLarge(limit: 65_536)) {
            try await test.vault.put("a/b", Secret(String(repeating: "x", count: 65_537)), by: TestVault.actor)
        }
        await #expect(throws: VaultError.duplicatePath("a/b")) {
            try await test.vault.put(
                [.init(path: "a/b", value: Secret("1")), .init(path: "a/b", value: Secret("2"))], by: TestVault.actor)
        }
        await #expect(throws: VaultError.notFound(path: "a/b")) {
            try await test.vault.delete("a/b", by: TestVault.actor)
        }
        #expect(try await test.vault.list().isEmpty)
    }

    @Test(arguments: StoreKind.allCases) func aBatchIsAtomic(_ kind: StoreKind) async throws {
        let test = try await TestVault.make(kind)
        try await test.vault.put("keyfax/api_key", Secret("old-api"), by: TestVault.actor)
        // The second path is invalid: the whole batch is refused before anything is written.
        await #expect(throws: VaultError.self) {
            try await test.vault.put(
                [
                    .init(path: "keyfax/api_key", value: Secret("new-api")),
                    .init(path: "keyfax/signing key", value: Secret("new-sign")),
                ],
                by: TestVault.actor
            )
        }
        #expect(try test.vault.secret(for: .vault("keyfax/api_key"))?.reveal() == "old-api")
        try await test.vault.put(
            [
                .init(path: "keyfax/api_key", value: Secret("new-api")),
                .init(path: "keyfax/signing_key", value: Secret("new-sign")),
            ],
            by: TestVault.actor
        )
        let other = try await test.reopen()
        #expect(try other.secret(for: .vault("keyfax/api_key"))?.reveal() == "new-api")
        #expect(try other.secret(for: .vault("keyfax/signing_key"))?.reveal() == "new-sign")
    }

    @Test(arguments: StoreKind.allCases) func rotateMasterKeepsEverySecretAndCanRunAgain(_ kind: StoreKind) async throws
    {
        let test = try await TestVault.make(kind)
        for index in 0..<25 {
            try await test.vault.put("app/secret-\(index)", Secret("value-\(index)"), by: TestVault.actor)
        }
        let newKey = MasterKey.generate()
        let outcome = try await Vault.rotateMasterKey(
            store: test.store, from: test.key, to: newKey, by: TestVault.actor)
        #expect(outcome == .rotated)
        let rotated = try await test.reopen(key: newKey)
        for index in 0..<25 {
            #expect(try rotated.secret(for: .vault("app/secret-\(index)"))?.reveal() == "value-\(index)")
        }
        #expect(rotated.problems.isEmpty)
        // The old key no longer opens the vault; a second run is a no-op that still succeeds.
        await #expect(throws: VaultError.self) { try await test.reopen(key: test.key) }
        #expect(
            try await Vault.rotateMasterKey(store: test.store, from: test.key, to: newKey, by: TestVault.actor)
                == .alreadyRotated)
        #expect(
            try await Vault.rotateMasterKey(store: test.store, from: nil, to: newKey, by: TestVault.actor)
                == .alreadyRotated)
        // The running vault (data key in memory) keeps working and writing.
        try await test.vault.put("app/after", Secret("after"), by: TestVault.actor)
        #expect(try await test.reopen(key: newKey).secret(for: .vault("app/after"))?.reveal() == "after")
        let actions = try await test.vault.auditLog().map(\.action)
        #expect(actions.contains(.rotateMaster))
    }

    @Test(arguments: StoreKind.allCases) func anotherProcessesWritesAreFollowed(_ kind: StoreKind) async throws {
        let test = try await TestVault.make(kind)
        try await test.vault.put("crm/token", Secret("first"), by: TestVault.actor)
        let gateway = try await test.reopen()
        #expect(try await gateway.reloadIfChanged() == false)
        try await test.vault.put("crm/token", Secret("second"), by: TestVault.actor)
        #expect(try gateway.secret(for: .vault("crm/token"))?.reveal() == "first")
        #expect(try await gateway.reloadIfChanged() == true)
        #expect(try gateway.secret(for: .vault("crm/token"))?.reveal() == "second")
        try await test.vault.delete("crm/token", by: TestVault.actor)
        #expect(try await gateway.reloadIfChanged() == true)
        #expect(try gateway.secret(for: .vault("crm/token")) == nil)
    }

    @Test func aRemovedStoreFileIsReportedUnreachable() async throws {
        let test = try await TestVault.make()
        _ = try await test.vault.reloadIfChanged()
        try FileManager.default.moveItem(atPath: test.path, toPath: test.path + ".moved")
        await #expect(throws: VaultError.storeUnreachable("\(test.path) was removed")) {
            try await test.vault.reloadIfChanged()
        }
        try FileManager.default.moveItem(atPath: test.path + ".moved", toPath: test.path)
        _ = try await test.vault.reloadIfChanged()
    }

    @Test(arguments: StoreKind.allCases) func concurrentPutsAndReadsSeeOnlyWrittenValues(_ kind: StoreKind) async throws
    {
        let test = try await TestVault.make(kind, keepVersions: 1000)
        let writers = 8
        let rounds = 25
        try await test.vault.put("shared/token", Secret("w0-r0"), by: TestVault.actor)
        let gateway = try await test.reopen()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 1...writers {
                group.addTask {
                    for round in 1...rounds {
                        try await test.vault.put("shared/token", Secret("w\(writer)-r\(round)"), by: TestVault.actor)
                        try await test.vault.put("own/writer-\(writer)", Secret("r\(round)"), by: TestVault.actor)
                    }
                }
            }
            group.addTask {
                // Readers in this process (cache) and in another connection (reloads) never see
                // anything but a written value.
                for _ in 0..<400 {
                    let value = try #require(try test.vault.secret(for: .vault("shared/token"))?.reveal())
                    #expect(value.hasPrefix("w") && value.contains("-r"))
                    _ = try await gateway.reloadIfChanged()
                    let other = try #require(try gateway.secret(for: .vault("shared/token"))?.reveal())
                    #expect(other.hasPrefix("w") && other.contains("-r"))
                    await Task.yield()
                }
            }
            try await group.waitForAll()
        }
        let shared = try #require(try await test.vault.list().first { $0.path == "shared/token" })
        #expect(shared.version == 1 + writers * rounds)
        for writer in 1...writers {
            #expect(try test.vault.secret(for: .vault("own/writer-\(writer)"))?.reveal() == "r\(rounds)")
        }
        try await gateway.reload()
        let seenByGateway = try gateway.secret(for: .vault("shared/token"))?.reveal()
        let seenByWriter = try test.vault.secret(for: .vault("shared/token"))?.reveal()
        #expect(seenByGateway == seenByWriter)
        if let sqlite = test.store as? SQLiteCredentialStore { #expect(try await sqlite.integrityCheck() == "ok") }
    }

    @Test(arguments: StoreKind.allCases) func theAuditTableRecordsWhoDidWhatButNeverValues(_ kind: StoreKind)
        async throws
    {
        let test = try await TestVault.make(kind)
        let canary = "AUDIT-CANARY-" + UUID().uuidString
        let admin = VaultActor(name: "admin-api from 10.0.0.1", source: .admin)
        try await test.vault.put("crm/token", Secret(canary), by: admin)
        _ = try await test.vault.reveal("crm/token", by: TestVault.actor)
        try await test.vault.delete("crm/token", by: TestVault.actor)
        let log = try await test.vault.auditLog()
        #expect(log.map(\.action) == [.delete, .reveal, .put, .initialize])
        #expect(log[2].actor == admin)
        #expect(log[2].path == "crm/token")
        #expect(log[2].version == 1)
        let rows = try await test.sql("SELECT * FROM audit")
        #expect(!"\(rows)".contains("AUDIT-CANARY"))
    }
}
