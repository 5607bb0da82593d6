import GatehouseCore

/// K2's XML mode (`format: xml`) in terms of its JSON shapes: answers (PagedList,
/// DataObjectWrapper, child collections, Meta, Formation) are read into the JSON shape the rest
/// of the adapter already maps, and request bodies are written in the seed's XML form, every
/// field value carrying the `i:type` its class's Meta gives it.
enum K2XML {
    static let xsi = "http://www.w3.org/2001/XMLSchema-instance"
    static let xsd = "http://www.w3.org/2001/XMLSchema"

    /// Elements that hold a list, and the element name of their items when Gatehouse writes them.
    static let lists: [String: String] = [
        "Items": "DataObjectWrapper", "FieldValues": "NameValue", "Parameters": "Parameter",
        "RequestedFields": "string",
        "ChildList": "FieldMetaData", "FieldList": "FieldMetaData", "LinkList": "FieldMetaData",
        "PrimaryKeyFieldList": "FieldMetaData",
        "SystemFields": "FieldMetaData", "CurrentPrimaryKey": "Segment", "PrimaryKeys": "PrimaryKey",
        "PrimaryKey": "Segment",
    ]
    /// Untyped elements whose JSON form is a boolean or an integer.
    static let booleans: Set<String> = ["IsHeader", "IsReadOnly", "NoPermission", "Deleted"]
    static let integers: Set<String> = ["KeyIndex"]

    // MARK: Reading

    /// A parsed document (`{"Root": ...}`) in K2's JSON shape; an `ArrayOf...` root is an array.
    static func decode(document: Value) -> Value {
        guard let root = document.objectValue?.members.first else { return .null }
        let name = Self.localName(root.key)
        if name.hasPrefix("ArrayOf") { return .array(Self.list(root.value).map { Self.decode($0, key: "") }) }
        return Self.decode(root.value, key: name)
    }

    static func decode(_ value: Value, key: String) -> Value {
        switch value {
        case .string(let text):
            if Self.booleans.contains(key) { return .bool(text.trimmingWhitespace() == "true") }
            if Self.integers.contains(key), Int(text.trimmingWhitespace()) != nil {
                return .number(text.trimmingWhitespace())
            }
            return value
        case .null:
            return Self.lists[key] != nil ? .array([]) : .null
        case .object(let object):
            if object.members.contains(where: {
                Self.isAttribute($0.key, named: "nil") && $0.value.stringValue == "true"
            }) {
                return .null
            }
            let type = object.members.first { Self.isAttribute($0.key, named: "type") }?.value.stringValue.map(
                Self.localName)
            let content = object.members.filter { !$0.key.hasPrefix("@") }
            switch type {
            case "ChildDataObjectWrapper"?:
                let items = Self.list(object["Items"]).map { Self.decode($0, key: "DataObjectWrapper") }
                return ["__type": "ChildDataObjectWrapper:K2.Data", "Items": .array(items)]
            case "DataObjectWrapper"?:
                guard case .object(var record) = Self.decode(.object(Value.Object(content)), key: "DataObjectWrapper")
                else { return .null }
                record.members.insert(.init("__type", "DataObjectWrapper:K2.Data"), at: 0)
                return .object(record)
            case let type?:
                return Self.scalar(object["#text"]?.stringValue ?? "", type: type)
            case nil:
                if content.count == 1, content[0].key == "#text" || content[0].key == "#cdata-section" {
                    return Self.decode(content[0].value, key: key)
                }
                var out = Value.Object()
                for member in content {
                    let name = Self.localName(member.key)
                    if Self.lists[name] != nil {
                        out[name] = .array(Self.list(member.value).map { Self.decode($0, key: name) })
                    } else {
                        out[name] = Self.decode(member.value, key: name)
                    }
                }
                return .object(out)
            }
        default:
            return value
        }
    }

    /// A scalar by its XML Schema type.
    static func scalar(_ text: String, type: String) -> Value {
        switch type {
        case "int", "long", "integer", "short", "decimal", "double", "float", "byte", "unsignedInt", "unsignedLong":
            let literal = text.trimmingWhitespace()
            return literal.isEmpty ? .null : .number(literal)
        case "boolean":
            return .bool(text.trimmingWhitespace() == "true" || text.trimmingWhitespace() == "1")
        default:
            return .string(text)
        }
    }

    /// The items of a list element (one item parses as an object, none as null).
    static func list(_ value: Value?) -> [Value] {
        guard case .object(let object)? = value else { return [] }
        let content = object.members.filter { !$0.key.hasPrefix("@") }
        guard content.count == 1 else { return [] }
        if case .array(let items) = content[0].value { return items }
        return [content[0].value]
    }

    static func localName(_ name: String) -> String {
        name.split(separator: ":").last.map(String.init) ?? name
    }

    static func isAttribute(_ key: String, named name: String) -> Bool {
        key.hasPrefix("@") && Self.localName(String(key.dropFirst())) == name && key.contains(":")
    }

    // MARK: Writing

    /// A JSON-shaped request body (DataParameterFields, FormationInput) as the element `root`;
    /// a `Value` member is typed by its JSON kind.
    static func element(_ value: Value, root: String) -> Value {
        guard case .object(var object) = Self.convert(value, key: root) else { return value }
        object.members.insert(contentsOf: [.init("@xmlns", "K2.Data"), .init("@xmlns:i", .string(Self.xsi))], at: 0)
        return .object(object)
    }

    static func convert(_ value: Value, key: String) -> Value {
        switch value {
        case .array(let items):
            let name = Self.lists[key] ?? "Item"
            return .object(Value.Object([.init(name, .array(items.map { Self.convert($0, key: name) }))]))
        case .object(let object):
            var out = Value.Object()
            for member in Self.contractOrder(object.members) where member.key != "__type" {
                out[member.key] =
                    member.key == "Value" ? Self.typedByKind(member.value) : Self.convert(member.value, key: member.key)
            }
            return .object(out)
        case .bool(let b): return .string(b ? "true" : "false")
        case .number(let n): return .string(n)
        case .string, .null: return value
        }
    }

    /// The members of a data contract in the order .NET's DataContractSerializer reads them:
    /// attributes first, then the elements sorted by ordinal name (FormationInput: Conditions,
    /// CurrentPrimaryKey, DataObjectName, ORConditions, Parameters, PrimaryKeys, ReturnUrl). K2
    /// silently skips an element that arrives after one that sorts later.
    static func contractOrder(_ members: [Value.Object.Member]) -> [Value.Object.Member] {
        let attributes = members.filter { $0.key.hasPrefix("@") || $0.key.hasPrefix("#") }
        let elements = members.filter { !($0.key.hasPrefix("@") || $0.key.hasPrefix("#")) }
        return attributes + elements.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
    }

    static func typedByKind(_ value: Value) -> Value {
        switch value {
        case .number(let n):
            Self.typed(n, "a:" + (n.contains(".") || n.lowercased().contains("e") ? "decimal" : "long"))
        case .bool(let b): Self.typed(b ? "true" : "false", "a:boolean")
        case .string(let s): Self.typed(s, "a:string")
        case .null: ["@i:nil": "true"]
        case .array, .object: Self.typed(JSON.serialize(value), "a:string")
        }
    }

    static func typed(_ text: String, _ type: String) -> Value {
        ["@i:type": .string(type), "@xmlns:a": .string(Self.xsd), "#text": .string(text)]
    }

    /// A DataObjectWrapper (JSON shape, as ``K2Record/wrapper(className:fields:deleted:)`` builds
    /// it) as the XML element, every value typed from `meta` (by class, then field).
    static func wrapper(_ wrapper: Value, meta: [String: K2FieldTypes], top: Bool = true) throws(GatewayError) -> Value
    {
        let className = wrapper["DOClassName"]?.stringValue ?? ""
        let types = meta[className.lowercased()]
        // DataContract order (ordinal): DOClassName, Deleted, FieldValues.
        var out = Value.Object()
        if top { out.members += [.init("@xmlns", "K2.Data"), .init("@xmlns:i", .string(Self.xsi))] }
        out["DOClassName"] = .string(className)
        if wrapper["Deleted"]?.boolValue == true { out["Deleted"] = "true" }
        var pairs: [Value] = []
        for pair in wrapper["FieldValues"]?.arrayValue ?? [] {
            let name = pair["Name"]?.stringValue ?? ""
            let value = pair["Value"] ?? .null
            let field = types?.fields[name.lowercased()]
            let element: Value
            if value["__type"]?.stringValue?.hasPrefix("ChildDataObjectWrapper") == true {
                var items: [Value] = []
                for item in value["Items"]?.arrayValue ?? [] {
                    var child = item
                    if child["DOClassName"]?.stringValue?.isEmpty != false, let childClass = field?.childClass,
                        case .object(var o) = child
                    {
                        o["DOClassName"] = .string(childClass)
                        child = .object(o)
                    }
                    items.append(try Self.wrapper(child, meta: meta, top: false))
                }
                element = [
                    "@i:type": "ChildDataObjectWrapper", "Items": .object(Value.Object([.init("Item", .array(items))])),
                ]
            } else if let field {
                element = try Self.typed(value, valueType: field.valueType, field: name)
            } else {
                // Not in the Meta Gatehouse holds: typed by kind; K2's refusal drops the cached Meta.
                element = Self.typedByKind(value)
            }
            pairs.append(["Name": .string(name), "Value": element])
        }
        out["FieldValues"] = .object(Value.Object([.init("NameValue", .array(pairs))]))
        return .object(out)
    }

    /// A scalar with the `i:type` of K2's ValueType (Numeric, String, Boolean, Date, Time, DateTime, Bitmap).
    static func typed(_ value: Value, valueType: String, field: String) throws(GatewayError) -> Value {
        if value == .null { return ["@i:nil": "true"] }
        let text: String
        switch value {
        case .string(let s): text = s
        case .number(let n): text = n
        case .bool(let b): text = b ? "true" : "false"
        default: throw GatewayError(.badRequest, "\"\(field.prefix(60))\" is a \(valueType) field; it takes a scalar")
        }
        switch valueType.lowercased() {
        case "numeric":
            let literal = text.trimmingWhitespace()
            guard case .number = (try? JSON.parse(Array(literal.utf8))) ?? .null else {
                throw GatewayError(
                    .badRequest, "\"\(field.prefix(60))\" is a Numeric field; \"\(literal.prefix(40))\" is not a number"
                )
            }
            let decimal = literal.contains(".") || literal.lowercased().contains("e")
            return Self.typed(literal, decimal ? "a:decimal" : "a:long")
        case "boolean":
            switch text.trimmingWhitespace().lowercased() {
            case "true", "1": return Self.typed("true", "a:boolean")
            case "false", "0": return Self.typed("false", "a:boolean")
            default:
                throw GatewayError(.badRequest, "\"\(field.prefix(60))\" is a Boolean field; it takes true or false")
            }
        case "date", "time", "datetime": return Self.typed(text, "a:dateTime")
        case "bitmap": return Self.typed(text, "a:base64Binary")
        default: return Self.typed(text, "a:string")
        }
    }
}

/// One class's field types as its Meta states them (`ValueType`, `ChildClassName`), by lowercased field name.
struct K2FieldTypes: Sendable, Equatable {
    struct Field: Sendable, Equatable {
        var valueType: String
        var childClass: String?
    }

    var fields: [String: Field] = [:]

    /// From a `DataObjectMetaData` answer in JSON shape.
    init(meta: Value) {
        for list in ["PrimaryKeyFieldList", "FieldList", "SystemFields", "LinkList", "ChildList"] {
            for field in meta[list]?.arrayValue ?? [] {
                guard let name = (field["FieldName"] ?? field["Name"])?.stringValue else { continue }
                let child = field["ChildClassName"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
                self.fields[name.lowercased()] = Field(
                    valueType: field["ValueType"]?.stringValue ?? "String", childClass: child)
            }
        }
    }
}
