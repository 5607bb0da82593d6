/// Builders for the JSON Schemas (2020-12 subset) operations declare, as plain value trees.
///
/// The subset is what ``SchemaValidator`` checks: `type` (a name or a list), `properties`,
/// `required`, `additionalProperties`, `enum`, `items`, `minItems`/`maxItems`,
/// `minimum`/`maximum`, `minLength`/`maxLength`, `pattern`, `minProperties`, `not`; `description` is documentation
/// only.
///
/// ```swift
/// let arguments = Schema.object(
///     ["class": Schema.string(minLength: 1), "page_size": Schema.integer(minimum: -1, maximum: 10_000)],
///     required: ["class"])
/// ```
public enum Schema {
    /// Any value (`{}`).
    public static let any: Value = [:]

    /// An object with `properties`; members not listed are refused unless `additional` allows them.
    public static func object(
        _ properties: KeyValuePairs<String, Value> = [:], required: [String] = [], additional: Value = false,
        description: String? = nil
    ) -> Value {
        var schema: Value.Object = ["type": "object"]
        schema["description"] = description.map(Value.string)
        if !properties.isEmpty {
            schema["properties"] = .object(Value.Object(properties.map { Value.Object.Member($0.key, $0.value) }))
        }
        if !required.isEmpty { schema["required"] = .array(required.map(Value.string)) }
        if additional != true { schema["additionalProperties"] = additional }
        return .object(schema)
    }

    /// An object whose members, whatever their names, each match `values`.
    public static func map(_ values: Value = Schema.any, description: String? = nil) -> Value {
        Self.object(additional: values, description: description)
    }

    /// A string.
    ///
    /// `pattern` is an anchored regular expression in the syntax JSON Schema and Swift's `Regex`
    /// share (character classes, `^`, `$`, quantifiers).
    public static func string(
        minLength: Int? = nil, maxLength: Int? = nil, pattern: String? = nil, description: String? = nil
    ) -> Value {
        var schema: Value.Object = ["type": "string"]
        schema["description"] = description.map(Value.string)
        schema["minLength"] = minLength.map(Value.int)
        schema["maxLength"] = maxLength.map(Value.int)
        schema["pattern"] = pattern.map(Value.string)
        return .object(schema)
    }

    /// One of the strings in `values`.
    public static func oneOf(_ values: [String], description: String? = nil) -> Value {
        var schema: Value.Object = ["type": "string", "enum": .array(values.map(Value.string))]
        schema["description"] = description.map(Value.string)
        return .object(schema)
    }

    /// A whole number.
    public static func integer(minimum: Int? = nil, maximum: Int? = nil, description: String? = nil) -> Value {
        var schema: Value.Object = ["type": "integer"]
        schema["description"] = description.map(Value.string)
        schema["minimum"] = minimum.map(Value.int)
        schema["maximum"] = maximum.map(Value.int)
        return .object(schema)
    }

    /// `true` or `false`.
    public static func boolean(description: String? = nil) -> Value {
        var schema: Value.Object = ["type": "boolean"]
        schema["description"] = description.map(Value.string)
        return .object(schema)
    }

    /// A list of `items`.
    public static func array(_ items: Value, minItems: Int? = nil, maxItems: Int? = nil, description: String? = nil)
        -> Value
    {
        var schema: Value.Object = ["type": "array", "items": items]
        schema["description"] = description.map(Value.string)
        schema["minItems"] = minItems.map(Value.int)
        schema["maxItems"] = maxItems.map(Value.int)
        return .object(schema)
    }

    /// A value of any of the JSON types `types` (`"string"`, `"number"`, ...), with further keywords.
    public static func types(
        _ types: [String], _ keywords: KeyValuePairs<String, Value> = [:], description: String? = nil
    ) -> Value {
        var schema: Value.Object = ["type": .array(types.map(Value.string))]
        for (key, value) in keywords { schema[key] = value }
        schema["description"] = description.map(Value.string)
        return .object(schema)
    }

    /// A member that must never be given, and why (`{"not": {}, "description": why}`).
    public static func forbidden(_ why: String) -> Value {
        ["not": [:], "description": .string(why)]
    }

    /// A string, number or boolean.
    public static func scalar(description: String? = nil) -> Value {
        Self.types(["string", "number", "boolean"], description: description)
    }
}

extension Value {
    /// This schema with a `description` (a no-op on anything but an object schema).
    public func described(_ description: String) -> Value {
        guard case .object(var schema) = self else { return self }
        schema["description"] = .string(description)
        return .object(schema)
    }
}
