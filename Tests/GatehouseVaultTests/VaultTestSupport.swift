import Foundation
import GatehouseCore
@testable import GatehouseSQLite
import GatehouseTestSupport

/// A fresh vault in a temporary directory, on the real SQLite store.
struct TestVault {
    let directory: String
    let path: String
    let key: MasterKey
    let store: SQLiteCredentialStore
    let vault: Vault

    static let actor = VaultActor(name: "tester", origin: .cli)

    static func make(keepVersions: Int = 5, now: @escaping @Sendable () -> Timestamp = { Timestamp.now() }) async throws -> TestVault {
        let directory = try TemporaryDirectory.make()
        let path = directory + "/state/vault.db"
        let key = MasterKey.generate()
        let store = try SQLiteCredentialStore(path: path, create: true)
        var configuration = Vault.Configuration()
        configuration.keepVersions = keepVersions
        let vault = try await Vault.initialize(store: store, masterKey: key, by: Self.actor, configuration: configuration, now: now)
        return TestVault(directory: directory, path: path, key: key, store: store, vault: vault)
    }

    /// A second, independent connection to the same file (as another process would have).
    func reopen(key: MasterKey? = nil, now: @escaping @Sendable () -> Timestamp = { Timestamp.now() }) async throws -> Vault {
        try await Vault.open(store: try SQLiteCredentialStore(path: self.path, create: false), masterKey: key ?? self.key, now: now)
    }

    /// Raw SQL on the file, bypassing the vault: what an attacker with the file could do.
    @discardableResult
    func sql(_ statement: String, _ bindings: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
        let database = try SQLiteDatabase(path: self.path, create: false)
        try database.execute("PRAGMA busy_timeout = 5000")
        return try database.query(statement, bindings)
    }

    /// The bytes of the database and its -wal and -shm files.
    func filesOnDisk() -> [(name: String, bytes: [UInt8])] {
        ["", "-wal", "-shm"].compactMap { suffix in
            FileManager.default.contents(atPath: self.path + suffix).map { (self.path + suffix, [UInt8]($0)) }
        }
    }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs anywhere in these bytes.
    func contains(bytes needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= self.count else { return false }
        return (0...(self.count - needle.count)).contains { start in
            self[start] == needle[0] && Array(self[start..<(start + needle.count)]) == needle
        }
    }
}

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let seconds: Mutex<Int64>
    init(_ start: Int64 = 1_800_000_000) { self.seconds = Mutex(start) }
    var now: Timestamp { Timestamp(seconds: self.seconds.withLock { $0 }) }
    func advance(_ by: Int64) { self.seconds.withLock { $0 += by } }
}

import Synchronization
