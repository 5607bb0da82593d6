import Foundation
import GatehouseCore
@testable import GatehouseSQLite
import GatehousePostgres
import PostgresNIO
import Testing
import GatehouseTestSupport

/// The stores the vault's tests run against.
enum StoreKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    var description: String { self.rawValue }
}

/// A fresh vault on a real store: an SQLite file in a temporary directory, or a new database on
/// the throwaway PostgreSQL cluster.
struct TestVault {
    let kind: StoreKind
    let directory: String
    /// The SQLite file (for `.sqlite`).
    let path: String
    /// This test's database (for `.postgres`).
    let url: String
    let key: MasterKey
    let store: any CredentialStore
    let vault: Vault

    static let actor = VaultActor(name: "tester", source: .cli)

    static func make(
        _ kind: StoreKind = .sqlite,
        keepVersions: Int = 5,
        now: @escaping @Sendable () -> Timestamp = { Timestamp.now() }
    ) async throws -> TestVault {
        let directory = try TemporaryDirectory.make()
        let path = directory + "/state/vault.db"
        let url = kind == .postgres ? try await TestPostgres.freshDatabase() : ""
        let key = MasterKey.generate()
        let store: any CredentialStore
        switch kind {
        case .sqlite: store = try SQLiteCredentialStore(path: path, create: true)
        case .postgres: store = try await PostgresCredentialStore.connect(url: try PostgresURL(url))
        }
        var configuration = Vault.Configuration()
        configuration.keepVersions = keepVersions
        let vault = try await Vault.initialize(
            store: store, masterKey: key, by: Self.actor, configuration: configuration, now: now)
        return TestVault(kind: kind, directory: directory, path: path, url: url, key: key, store: store, vault: vault)
    }

    /// What the store reports as its location in messages.
    var location: String {
        switch self.kind {
        case .sqlite: "sqlite:" + self.path
        case .postgres: (try? PostgresURL(self.url).redacted) ?? self.url
        }
    }

    /// A second, independent connection to the same store (as another process would have).
    func openStore() async throws -> any CredentialStore {
        switch self.kind {
        case .sqlite: try SQLiteCredentialStore(path: self.path, create: false)
        case .postgres: try await PostgresCredentialStore.connect(url: try PostgresURL(self.url))
        }
    }

    /// A vault on a second, independent connection to the same store.
    func reopen(key: MasterKey? = nil, now: @escaping @Sendable () -> Timestamp = { Timestamp.now() }) async throws
        -> Vault
    {
        try await Vault.open(store: try await self.openStore(), masterKey: key ?? self.key, now: now)
    }

    /// Raw SQL on the store, bypassing the vault: what an attacker with the database could do.
    /// `?` placeholders take `bindings`; cells come back as SQLite values on either store.
    @discardableResult
    func sql(_ statement: String, _ bindings: [SQLiteValue] = []) async throws -> [[SQLiteValue]] {
        switch self.kind {
        case .sqlite:
            let database = try SQLiteDatabase(path: self.path, create: false)
            try database.execute("PRAGMA busy_timeout = 5000")
            return try database.query(statement, bindings)
        case .postgres:
            return try await Self.postgresSQL(self.url, statement, bindings)
        }
    }

    private static func postgresSQL(_ url: String, _ statement: String, _ bindings: [SQLiteValue]) async throws
        -> [[SQLiteValue]]
    {
        var numbered = ""
        var index = 0
        for character in statement {
            if character == "?" {
                index += 1
                numbered += "$\(index)"
            } else {
                numbered.append(character)
            }
        }
        var binds = PostgresBindings()
        for binding in bindings {
            switch binding {
            case .integer(let value): binds.append(value)
            case .text(let value): binds.append(value)
            case .blob(let value): binds.append(ByteBuffer(bytes: value))
            case .null: binds.appendNull()
            }
        }
        let query = PostgresQuery(unsafeSQL: numbered, binds: binds)
        return try await TestPostgres.withClient(url) { client in
            var rows: [[SQLiteValue]] = []
            for try await row in try await client.query(query) {
                var cells: [SQLiteValue] = []
                for cell in row {
                    guard cell.bytes != nil else {
                        cells.append(.null)
                        continue
                    }
                    switch cell.dataType {
                    case .int2, .int4, .int8: cells.append(.integer(try cell.decode(Int64.self)))
                    case .bytea: cells.append(.blob(Array(try cell.decode(ByteBuffer.self).readableBytesView)))
                    default: cells.append(.text(try cell.decode(String.self)))
                    }
                }
                rows.append(cells)
            }
            return rows
        }
    }

    /// The files the store keeps that contain `needle` (expected: none), with how many files were
    /// searched: the SQLite database and its -wal and -shm files, or, after a checkpoint, this
    /// test's database directory and the write-ahead log of the PostgreSQL cluster. Files are
    /// read one at a time, so the search never holds the cluster in memory.
    func storeFiles(containing needle: [UInt8]) async throws -> (searched: Int, found: [String]) {
        var files: [String] = []
        switch self.kind {
        case .sqlite:
            files = ["", "-wal", "-shm"].map { self.path + $0 }.filter { FileManager.default.fileExists(atPath: $0) }
        case .postgres:
            try await self.sql("CHECKPOINT")
            let oid = try #require(
                try await self.sql("SELECT oid::bigint FROM pg_database WHERE datname = current_database()").first?
                    .first?.integer)
            let data = try TestPostgres.dataDirectory()
            for directory in ["\(data)/base/\(oid)", "\(data)/pg_wal"] {
                for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                    var isDirectory: ObjCBool = false
                    let file = directory + "/" + name
                    if FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue {
                        files.append(file)
                    }
                }
            }
        }
        let pattern = Data(needle)
        let found = files.filter { file in FileManager.default.contents(atPath: file)?.range(of: pattern) != nil }
        return (files.count, found)
    }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs anywhere in these bytes.
    func contains(bytes needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= self.count else { return false }
        return Data(self).range(of: Data(needle)) != nil
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
