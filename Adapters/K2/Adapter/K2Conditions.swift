import GatehouseCore

/// Builds K2's `conditions` text (`field;[!]OP;value` joined by `,`) from a caller's structured
/// filter, so that no caller input can add or change a condition: field names are checked
/// against `[A-Za-z_][A-Za-z0-9_.]*`, operators come from a fixed list, and every value that was
/// not given as a JSON number is quoted (a value containing `"` is refused: K2 has no escape).
///
/// A filter is an array of conditions (or `{"condition": [...]}` as XML arguments arrive):
/// ```json
/// [{"field": "Name", "op": "LIKE", "value": "Shell*", "wildcards": true},
///  {"field": "Name", "op": "LIKE", "value": "Oil", "match": "contains"},
///  {"field": "PartnerId", "op": "GT", "value": 10},
///  {"field": "Abbr", "op": "IN", "values": ["A", "B"]},
///  {"field": "PartnerId", "op": "BETWEEN", "values": [1, 5], "not": true},
///  {"field": "City", "op": "EMPTY"},
///  {"field": "Changed", "op": "GT", "other_field": "Created"}]
/// ```
public enum K2Conditions {
    /// What `LIKE#` means: seed 003 says both "the change of the conditions to 'at beginning'
    /// mode" and "a wildcard is automatically added before the entered value".
    public enum LikeHash: String, Sendable, CaseIterable {
        /// `#` adds a wildcard before the value (plain `LIKE` matches at the beginning): the default.
        case contains
        /// `#` matches at the beginning (plain `LIKE` then matches anywhere).
        case startsWith = "starts_with"
    }

    /// Comparison operators that take one operand.
    static let comparisons: Set<String> = ["LT", "LE", "GT", "GE", "EQ", "NE"]

    /// The conditions text, or `nil` for an empty filter; `likeHash` is how the connection's K2
    /// reads `LIKE#` (option `like_hash`), so that a condition's `match` gets what it names.
    public static func build(_ filter: Value?, likeHash: LikeHash = .contains) throws(GatewayError) -> String? {
        let conditions = K2Arguments.list(filter)
        guard !conditions.isEmpty else { return nil }
        var parts: [String] = []
        for (index, condition) in conditions.enumerated() {
            parts.append(try Self.condition(condition, index: index, likeHash: likeHash))
        }
        return parts.joined(separator: ",")
    }

    static func condition(_ condition: Value, index: Int, likeHash: LikeHash) throws(GatewayError) -> String {
        guard let object = condition.objectValue else {
            throw Self.bad(index, "a condition is an object {\"field\", \"op\", ...}")
        }
        let known: Set<String> = [
            "field", "op", "value", "values", "not", "other_field", "wildcards", "case_sensitive", "match",
            "starts_with",
        ]
        if let unknown = object.keys.first(where: { !known.contains($0) }) {
            throw Self.bad(
                index, "unknown key \"\(unknown.prefix(40))\" (known: \(known.sorted().joined(separator: ", ")))")
        }
        guard let field = object["field"]?.stringValue else { throw Self.bad(index, "\"field\" is required") }
        try Self.checkField(field, index: index)
        guard let op = object["op"]?.stringValue?.uppercased() else { throw Self.bad(index, "\"op\" is required") }
        let negate = try Self.flag(object["not"], "not", index: index) ? "!" : ""
        var text = field + ";" + negate
        switch op {
        case _ where Self.comparisons.contains(op):
            if let other = object["other_field"] {
                guard let otherField = other.stringValue else {
                    throw Self.bad(index, "\"other_field\" is a field name")
                }
                try Self.checkField(otherField, index: index)
                text += op + "@;" + otherField
            } else {
                text += op + ";" + (try Self.operand(object["value"], index: index))
            }
        case "EMPTY":
            text += "EMPTY"
        case "LIKE":
            var flags = ""
            if try Self.flag(object["wildcards"], "wildcards", index: index) { flags += "*" }
            if try Self.flag(object["case_sensitive"], "case_sensitive", index: index) { flags += "^" }
            if let match = try Self.match(object, index: index), match == likeHash { flags += "#" }
            text += "LIKE" + flags + ";" + (try Self.operand(object["value"], index: index))
        case "IN":
            let values = K2Arguments.list(object["values"])
            guard !values.isEmpty else { throw Self.bad(index, "IN needs a non-empty \"values\" list") }
            var operands: [String] = []
            for value in values { operands.append(try Self.operand(value, index: index)) }
            text += "IN;" + operands.joined(separator: ";")
        case "BETWEEN":
            let values = K2Arguments.list(object["values"])
            guard values.count == 2 else { throw Self.bad(index, "BETWEEN needs \"values\": [from, to]") }
            text +=
                "BETWEEN;" + (try Self.operand(values[0], index: index)) + ";"
                + (try Self.operand(values[1], index: index))
        default:
            throw Self.bad(index, "unknown op \"\(op.prefix(20))\" (LT LE GT GE EQ NE EMPTY LIKE IN BETWEEN)")
        }
        return text
    }

    /// A number given as a JSON number is written as is; anything else is quoted.
    static func operand(_ value: Value?, index: Int) throws(GatewayError) -> String {
        switch value {
        case .number(let literal):
            return literal
        case .string(let text):
            guard !text.contains("\"") else {
                throw Self.bad(index, "a value cannot contain '\"': K2 has no escape for it inside a quoted value")
            }
            return "\"" + text + "\""
        case .bool(let b):
            return b ? "\"true\"" : "\"false\""
        default:
            throw Self.bad(index, "\"value\" must be a string, number or boolean")
        }
    }

    /// A LIKE condition's `match` (`starts_with` | `contains`; `starts_with: true` is the same
    /// as `match: starts_with`), or `nil` for K2's plain `LIKE`.
    static func match(_ object: Value.Object, index: Int) throws(GatewayError) -> LikeHash? {
        if let match = object["match"] {
            guard let text = match.stringValue, let value = LikeHash(rawValue: text) else {
                throw Self.bad(index, "\"match\" is starts_with or contains")
            }
            return value
        }
        return try Self.flag(object["starts_with"], "starts_with", index: index) ? .startsWith : nil
    }

    static func flag(_ value: Value?, _ name: String, index: Int) throws(GatewayError) -> Bool {
        switch value {
        case nil, .null: return false
        case .bool(let b): return b
        case .string(let s) where s == "true" || s == "false": return s == "true"
        default: throw Self.bad(index, "\"\(name)\" is a boolean")
        }
    }

    /// `[A-Za-z_][A-Za-z0-9_.]*`.
    public static func isFieldName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first == 95 || (first | 0x20 >= 97 && first | 0x20 <= 122) else {
            return false
        }
        return name.utf8.allSatisfy { b in
            b == 95 || b == 46 || (b >= 48 && b <= 57) || (b | 0x20 >= 97 && b | 0x20 <= 122)
        }
    }

    static func checkField(_ name: String, index: Int) throws(GatewayError) {
        guard Self.isFieldName(name) else {
            throw Self.bad(index, "\"\(name.prefix(60))\" is not a field name ([A-Za-z_][A-Za-z0-9_.]*)")
        }
    }

    static func bad(_ index: Int, _ message: String) -> GatewayError {
        GatewayError(.badRequest, "/filter/\(index): \(message)")
    }
}
