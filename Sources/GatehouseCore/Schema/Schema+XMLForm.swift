extension Schema {
    /// Reads arguments that arrived as XML into the JSON form `schema` describes, following the
    /// value-tree convention (architecture.md): every scalar arrives as text, a list arrives
    /// wrapped (`<keys><key>1</key><key>2</key></keys>` is `{"key": ["1", "2"]}`) and a one-item
    /// list is not an array, and an empty element is empty text.
    ///
    /// Text becomes a number or a boolean where the schema wants one and no string; a wrapper
    /// becomes the list it holds; a lone item becomes a one-item list; empty text becomes `{}` or
    /// `[]`. Anything else is left as it is, for ``SchemaValidator`` to name.
    public static func conformingXML(_ value: Value, to schema: Value) -> Value {
        guard case .object(let keywords) = schema else { return value }
        let types = SchemaValidator.typeNames(keywords["type"]) ?? []
        func wants(_ type: String) -> Bool { types.contains(type) }
        let items = keywords["items"] ?? Schema.any
        switch value {
        case .string(let text) where !wants("string"):
            if (wants("integer") || wants("number")), Self.isNumberLiteral(text) { return .number(text) }
            if wants("boolean"), text == "true" || text == "false" { return .bool(text == "true") }
            if text.allSatisfy(\.isWhitespace) {
                if wants("object") { return .object([:]) }
                if wants("array") { return .array([]) }
                if wants("null") { return .null }
            }
            if wants("array") { return .array([Self.conformingXML(value, to: items)]) }
            return value
        case .null where !wants("null"):
            if wants("object") { return .object([:]) }
            if wants("array") { return .array([]) }
            if wants("string") { return .string("") }
            return value
        case .array(let elements) where wants("array") || types.isEmpty:
            return .array(elements.map { Self.conformingXML($0, to: items) })
        case .object(let object) where wants("array") && !wants("object"):
            // A wrapper element: its one child (repeated or not) is the list.
            if object.members.count == 1 {
                if case .array(let elements) = object.members[0].value {
                    return .array(elements.map { Self.conformingXML($0, to: items) })
                }
                return .array([Self.conformingXML(object.members[0].value, to: items)])
            }
            return .array([Self.conformingXML(value, to: items)])
        case .object(var object):
            let properties = keywords["properties"]?.objectValue ?? [:]
            let additional = keywords["additionalProperties"] ?? Schema.any
            for index in object.members.indices {
                let member = object.members[index]
                object.members[index].value = Self.conformingXML(member.value, to: properties[member.key] ?? additional)
            }
            return .object(object)
        default:
            if wants("array"), !wants(Self.typeName(of: value)) {
                return .array([Self.conformingXML(value, to: items)])
            }
            return value
        }
    }

    /// Whether `text` is a JSON number literal.
    static func isNumberLiteral(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 64, let parsed = try? JSON.parse(Array(text.utf8)),
            case .number = parsed
        else { return false }
        return true
    }

    static func typeName(of value: Value) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}
