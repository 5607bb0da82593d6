internal import CGatehouseSQLite

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A value bound to or read from SQLite.
enum SQLiteValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case text(String)
    case blob([UInt8])

    var integer: Int64? { if case .integer(let value) = self { value } else { nil } }
    var text: String? { if case .text(let value) = self { value } else { nil } }
    var blob: [UInt8]? {
        switch self {
        case .blob(let value): value
        case .null: []
        default: nil
        }
    }
}

/// A failed SQLite call: the result code and SQLite's message (statements bind values, so
/// messages never contain them).
struct SQLiteError: Error, CustomStringConvertible {
    let code: Int32
    let message: String
    var description: String { "\(self.message) (SQLite code \(self.code))" }
}

/// One SQLite connection. Not thread-safe: ``SQLiteCredentialStore`` uses it from one serial queue.
final class SQLiteDatabase: @unchecked Sendable {
    // @unchecked: not thread-safe by itself; its only owner runs every call on one serial queue.
    private var handle: OpaquePointer?

    /// Opens (or with `create`, creates) the database at `path`.
    init(path: String, create: Bool) throws(SQLiteError) {
        var flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX
        if create { flags |= SQLITE_OPEN_CREATE }
        var handle: OpaquePointer?
        let result = sqlite3_open_v2(path, &handle, flags, nil)
        guard result == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(handle)
            throw SQLiteError(code: result, message: message)
        }
        self.handle = handle
        sqlite3_extended_result_codes(handle, 1)
    }

    deinit { sqlite3_close_v2(self.handle) }

    private func error(_ code: Int32) -> SQLiteError {
        SQLiteError(code: code, message: String(cString: sqlite3_errmsg(self.handle)))
    }

    /// Runs one or more statements without parameters.
    func execute(_ sql: String) throws(SQLiteError) {
        let result = sqlite3_exec(self.handle, sql, nil, nil, nil)
        guard result == SQLITE_OK else { throw self.error(result) }
    }

    /// Runs one statement with `bindings` and returns every row.
    @discardableResult
    func query(_ sql: String, _ bindings: [SQLiteValue] = []) throws(SQLiteError) -> [[SQLiteValue]] {
        var statement: OpaquePointer?
        var result = sqlite3_prepare_v2(self.handle, sql, -1, &statement, nil)
        guard result == SQLITE_OK, let statement else { throw self.error(result) }
        defer { sqlite3_finalize(statement) }
        for (offset, value) in bindings.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case .null: result = sqlite3_bind_null(statement, index)
            case .integer(let number): result = sqlite3_bind_int64(statement, index, number)
            case .text(let text): result = gh_sqlite3_bind_text(statement, index, text, Int32(text.utf8.count))
            case .blob(let bytes):
                result = bytes.withUnsafeBytes {
                    gh_sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count))
                }
            }
            guard result == SQLITE_OK else { throw self.error(result) }
        }
        var rows: [[SQLiteValue]] = []
        while true {
            result = sqlite3_step(statement)
            if result == SQLITE_DONE { return rows }
            guard result == SQLITE_ROW else { throw self.error(result) }
            let count = sqlite3_column_count(statement)
            var row: [SQLiteValue] = []
            row.reserveCapacity(Int(count))
            for column in 0..<count {
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: row.append(.integer(sqlite3_column_int64(statement, column)))
                case SQLITE_TEXT: row.append(.text(String(cString: sqlite3_column_text(statement, column))))
                case SQLITE_BLOB:
                    let length = Int(sqlite3_column_bytes(statement, column))
                    if length == 0 {
                        row.append(.blob([]))
                    } else {
                        let pointer = sqlite3_column_blob(statement, column)!.assumingMemoryBound(to: UInt8.self)
                        row.append(.blob(Array(UnsafeBufferPointer(start: pointer, count: length))))
                    }
                case SQLITE_FLOAT: row.append(.integer(Int64(sqlite3_column_double(statement, column))))
                default: row.append(.null)
                }
            }
            rows.append(row)
        }
    }

    /// The first column of the first row.
    func scalar(_ sql: String, _ bindings: [SQLiteValue] = []) throws(SQLiteError) -> SQLiteValue? {
        try self.query(sql, bindings).first?.first
    }

    /// Rows changed by the last statement.
    var changes: Int { Int(sqlite3_changes(self.handle)) }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction: committed when it returns, rolled back when it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try self.execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try self.execute("COMMIT")
            return result
        } catch {
            try? self.execute("ROLLBACK")
            throw error
        }
    }
}
