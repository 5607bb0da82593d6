import GatehouseCore

/// Reading operation arguments that arrive as JSON or as XML (where every scalar is a string,
/// a one-element list is not an array, and lists arrive wrapped: `<fields><field>..</field></fields>`).
enum K2Arguments {
    /// A list: an array, a wrapper object `{"item": [...]}` / `{"item": {...}}`, or one value.
    static func list(_ value: Value?) -> [Value] {
        switch value {
        case nil, .null: return []
        case .array(let items): return items
        case .object(let object) where object.members.count == 1:
            switch object.members[0].value {
            case .array(let items): return items
            case .object, .string, .number: return [object.members[0].value]
            default: return [value!]
            }
        default: return [value!]
        }
    }

    /// A list of names: an array of strings, or one comma-separated string.
    static func names(_ value: Value?, argument: String) throws(GatewayError) -> [String] {
        if case .string(let text) = value {
            return text.split(separator: ",").map { String($0.filter { !$0.isWhitespace }) }.filter { !$0.isEmpty }
        }
        var names: [String] = []
        for item in Self.list(value) {
            guard let name = item.stringValue else {
                throw GatewayError(.badRequest, "\"\(argument)\" is a list of field names")
            }
            names.append(name)
        }
        return names
    }

    /// A required string argument.
    static func string(_ arguments: Value, _ name: String) throws(GatewayError) -> String {
        guard let value = Self.optionalString(arguments, name), !value.isEmpty else {
            throw GatewayError(.badRequest, "\"\(name)\" is required")
        }
        return value
    }

    static func optionalString(_ arguments: Value, _ name: String) -> String? {
        switch arguments[name] {
        case .string(let s): s
        case .number(let n): n
        default: nil
        }
    }

    /// An integer argument given as a number or as digits (XML).
    static func int(_ arguments: Value, _ name: String, in range: ClosedRange<Int>) throws(GatewayError) -> Int? {
        let value: Int?
        switch arguments[name] {
        case nil, .null: return nil
        case .number(let n): value = Int(n)
        case .string(let s): value = Int(s)
        default: value = nil
        }
        guard let value, range.contains(value) else {
            throw GatewayError(.badRequest, "\"\(name)\" is an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    static func bool(_ arguments: Value, _ name: String) throws(GatewayError) -> Bool? {
        switch arguments[name] {
        case nil, .null: return nil
        case .bool(let b): return b
        case .string("true"): return true
        case .string("false"): return false
        default: throw GatewayError(.badRequest, "\"\(name)\" is a boolean")
        }
    }

    /// Key parts as text, in order: `["A", 1]`, `"5"`, `5`.
    static func keys(_ arguments: Value) throws(GatewayError) -> [String] {
        var keys: [String] = []
        for item in Self.list(arguments["keys"]) {
            switch item {
            case .string(let s) where !s.isEmpty: keys.append(s)
            case .number(let n): keys.append(n)
            default: throw GatewayError(.badRequest, "\"keys\" is a list of key parts (strings or numbers)")
            }
        }
        guard !keys.isEmpty else {
            throw GatewayError(.badRequest, "\"keys\" is required: the parts of the primary key, in order")
        }
        return keys
    }

    /// A class name, checked like a field name so it cannot change the URL's path.
    static func className(_ arguments: Value) throws(GatewayError) -> String {
        let name = try Self.string(arguments, "class")
        guard K2Conditions.isFieldName(name) else { throw GatewayError(.badRequest, "\"class\" is not a class name") }
        return name
    }
}
