/// Checks a value tree against a JSON Schema of the ``Schema`` subset, reporting the first
/// violation in document order.
///
/// ```swift
/// if let violation = SchemaValidator.violation(of: arguments, against: schema) {
///     throw GatewayError(.badRequest, violation.description)
/// }
/// ```
public enum SchemaValidator {
    /// The first place `value` breaks `schema`, or `nil` when it matches.
    public static func violation(of value: Value, against schema: Value, at pointer: String = "") -> SchemaViolation? {
        switch schema {
        case .bool(true): return nil
        case .bool(false): return SchemaViolation(pointer: pointer, message: "is not allowed")
        case .object(let keywords): return Self.violation(of: value, keywords: keywords, at: pointer)
        default: return nil
        }
    }

    private static func violation(of value: Value, keywords: Value.Object, at pointer: String) -> SchemaViolation? {
        func fail(_ message: String) -> SchemaViolation { SchemaViolation(pointer: pointer, message: message) }
        // `not`: a member that must never be given; its description says why.
        if let forbidden = keywords["not"], Self.violation(of: value, against: forbidden) == nil {
            return fail(keywords["description"]?.stringValue.map { "must not be given: " + $0 } ?? "is not allowed")
        }
        if let types = Self.typeNames(keywords["type"]), !types.contains(where: { Self.matches(value, type: $0) }) {
            return fail("must be " + Self.article(types))
        }
        if case .array(let allowed)? = keywords["enum"], !allowed.contains(where: { Self.equal($0, value) }) {
            return fail("must be one of " + allowed.map(Self.shown).joined(separator: ", "))
        }
        switch value {
        case .string(let text):
            let length = text.unicodeScalars.count
            if let minimum = keywords["minLength"]?.intValue, length < minimum {
                return fail(minimum == 1 ? "must not be empty" : "must be at least \(minimum) characters long")
            }
            if let maximum = keywords["maxLength"]?.intValue, length > maximum {
                return fail("must be at most \(maximum) characters long")
            }
            if let pattern = keywords["pattern"]?.stringValue, !Self.matches(text, pattern: pattern) {
                return fail("must match \(pattern)")
            }
        case .number(let text):
            // Bounds are compared as doubles: schema bounds are small integers, well inside their precision.
            guard let number = Double(text) else { return fail("must be a number") }
            if let minimum = keywords["minimum"].flatMap(Self.double), number < minimum {
                return fail("must be at least \(Self.shown(keywords["minimum"]!))")
            }
            if let maximum = keywords["maximum"].flatMap(Self.double), number > maximum {
                return fail("must be at most \(Self.shown(keywords["maximum"]!))")
            }
        case .array(let items):
            if let minimum = keywords["minItems"]?.intValue, items.count < minimum {
                return fail(minimum == 1 ? "must not be empty" : "must have at least \(minimum) items")
            }
            if let maximum = keywords["maxItems"]?.intValue, items.count > maximum {
                return fail("must have at most \(maximum) items")
            }
            if let itemSchema = keywords["items"] {
                for (index, item) in items.enumerated() {
                    if let violation = Self.violation(of: item, against: itemSchema, at: pointer + "/" + String(index))
                    {
                        return violation
                    }
                }
            }
        case .object(let object):
            if let minimum = keywords["minProperties"]?.intValue, object.members.count < minimum {
                return fail(minimum == 1 ? "must not be empty" : "must have at least \(minimum) members")
            }
            let properties = keywords["properties"]?.objectValue ?? [:]
            let additional = keywords["additionalProperties"] ?? .bool(true)
            for member in object.members {
                let place = pointer + "/" + Self.escaped(member.key)
                if let propertySchema = properties[member.key] {
                    if let violation = Self.violation(of: member.value, against: propertySchema, at: place) {
                        return violation
                    }
                } else if additional == .bool(false) {
                    let known = properties.members.filter { $0.value["not"] == nil }.map(\.key)
                    return SchemaViolation(
                        pointer: place,
                        message: known.isEmpty
                            ? "is not allowed" : "is not allowed (known: \(known.joined(separator: ", ")))")
                } else if let violation = Self.violation(of: member.value, against: additional, at: place) {
                    return violation
                }
            }
            // After the members: a misspelt member is named rather than the one it was meant to be.
            if case .array(let required)? = keywords["required"] {
                for case .string(let name) in required where object[name] == nil {
                    return SchemaViolation(pointer: pointer + "/" + Self.escaped(name), message: "is required")
                }
            }
        case .null, .bool:
            break
        }
        return nil
    }

    /// Whether `text` contains a match of `pattern` (JSON Schema's `pattern` is unanchored; the
    /// schemas anchor theirs). A pattern that does not compile matches nothing: fail closed.
    static func matches(_ text: String, pattern: String) -> Bool {
        guard let regex = try? Regex(pattern) else { return false }
        return text.contains(regex)
    }

    /// The names in `type`: one string or a list of strings.
    static func typeNames(_ type: Value?) -> [String]? {
        switch type {
        case .string(let name)?: [name]
        case .array(let names)?: names.compactMap(\.stringValue)
        default: nil
        }
    }

    /// Whether `value` is of the JSON Schema type `type`.
    static func matches(_ value: Value, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object),
            ("number", .number):
            true
        case ("integer", .number(let text)): Self.isInteger(text)
        default: false
        }
    }

    /// Whether a JSON number literal is a whole number (`5`, `-3`, `2.0`, `1e3`).
    static func isInteger(_ text: String) -> Bool {
        if !text.isEmpty, text.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || (0x30...0x39).contains($0) }) {
            return true
        }
        guard let number = Double(text), number.isFinite else { return false }
        return number.rounded(.towardZero) == number
    }

    /// Equality as JSON Schema means it: numbers by value, everything else structurally.
    static func equal(_ a: Value, _ b: Value) -> Bool {
        if case .number(let x) = a, case .number(let y) = b {
            return x == y || (Double(x) != nil && Double(x) == Double(y))
        }
        return a == b
    }

    static func double(_ value: Value) -> Double? {
        if case .number(let text) = value { return Double(text) }
        return nil
    }

    /// A value in a message: strings bare, the rest as JSON.
    static func shown(_ value: Value) -> String {
        if case .string(let text) = value { return text }
        return JSON.serialize(value)
    }

    /// "a string", "an object or an array".
    static func article(_ types: [String]) -> String {
        let words = types.map { name in
            switch name {
            case "object", "array", "integer": "an " + name
            case "null": "null"
            default: "a " + name
            }
        }
        return words.count <= 1 ? words.joined() : words.dropLast().joined(separator: ", ") + " or " + words.last!
    }

    /// A member name as a JSON pointer token (RFC 6901: `~` → `~0`, `/` → `~1`).
    static func escaped(_ key: String) -> String {
        guard key.contains("~") || key.contains("/") else { return key }
        return key.replacing("~", with: "~0").replacing("/", with: "~1")
    }
}
