import GatehouseCore

/// K2's XML forms of its JSON shapes: lists as wrapper elements with typed item elements
/// (`Items/DataObjectWrapper`, `FieldValues/NameValue`, `Parameters/Parameter`), values with
/// `i:type`, namespace `K2.Data`.
enum K2XMLShape {
    static let xsi = "http://www.w3.org/2001/XMLSchema-instance"
    static let xsd = "http://www.w3.org/2001/XMLSchema"

    static let itemNames: [String: String] = [
        "Items": "DataObjectWrapper", "FieldValues": "NameValue", "Parameters": "Parameter",
        "RequestedFields": "string",
        "ChildList": "FieldMetaData", "FieldList": "FieldMetaData", "LinkList": "FieldMetaData",
        "PrimaryKeyFieldList": "FieldMetaData",
        "SystemFields": "FieldMetaData", "ArrayOfDataObjectMetaData": "DataObjectMetaData",
        "ArrayOfFormationId": "FormationId",
        "CurrentPrimaryKey": "Segment", "PrimaryKeys": "PrimaryKey", "PrimaryKey": "Segment",
    ]

    /// The XML-convention value of the root element `root`.
    static func toXML(_ value: Value, root: String) -> Value {
        var converted = Self.convert(value, key: root)
        if case .object(var object) = converted {
            object.members.insert(.init("@xmlns:i", .string(Self.xsi)), at: 0)
            object.members.insert(.init("@xmlns", "K2.Data"), at: 0)
            converted = .object(object)
        }
        return converted
    }

    static func convert(_ value: Value, key: String) -> Value {
        switch value {
        case .array(let items):
            let name = Self.itemNames[key] ?? "Item"
            return .object(Value.Object([.init(name, .array(items.map { Self.convert($0, key: name) }))]))
        case .object(let object):
            var out = Value.Object()
            if object["__type"]?.stringValue?.hasPrefix("ChildDataObjectWrapper") == true {
                out["@i:type"] = "ChildDataObjectWrapper"
            }
            for member in object.members where member.key != "__type" {
                if member.key == "Value" {
                    out["Value"] = Self.typed(member.value)
                } else {
                    out[member.key] = Self.convert(member.value, key: member.key)
                }
            }
            return .object(out)
        case .bool(let b): return .string(b ? "true" : "false")
        case .number(let n): return .string(n)
        case .string, .null: return value
        }
    }

    /// A NameValue's value with its `i:type`.
    static func typed(_ value: Value) -> Value {
        let type: String
        switch value {
        case .number(let n): type = n.contains(".") ? "a:decimal" : "a:long"
        case .bool: type = "a:boolean"
        case .string: type = "a:string"
        case .null: return .null
        case .object, .array:
            return Self.convert(value, key: "Value").objectValue.map { object in
                var o = object
                if o["@i:type"] == nil { o.members.insert(.init("@i:type", "ChildDataObjectWrapper"), at: 0) }
                if case .object(var items)? = o["Items"], let wrappers = items["DataObjectWrapper"] {
                    items = Value.Object([.init("Item", wrappers)])
                    o["Items"] = .object(items)
                }
                return Value.object(o)
            } ?? .null
        }
        return ["@i:type": .string(type), "@xmlns:a": .string(Self.xsd), "#text": .string(K2Filter.text(value))]
    }

    /// A list from its XML or JSON form.
    static func list(_ value: Value?) -> [Value] {
        switch value {
        case .array(let items): return items
        case .object(let object):
            let content = object.members.filter { !$0.key.hasPrefix("@") }
            guard content.count == 1 else { return [] }
            if case .array(let items) = content[0].value { return items }
            return [content[0].value]
        default: return []
        }
    }

    /// An XML-convention value back in K2's JSON shape (typed scalars by `i:type`, lists as arrays).
    static func fromXML(_ value: Value, key: String) -> Value {
        guard case .object(let object) = value else { return value }
        if object["@i:nil"]?.stringValue == "true" { return .null }
        let type = object["@i:type"]?.stringValue
        var text = object["#text"]
        if text == nil, type != nil, type != "ChildDataObjectWrapper",
            object.members.allSatisfy({ $0.key.hasPrefix("@") })
        {
            text = .string("")
        }
        if let text {
            let literal = text.stringValue ?? ""
            switch type?.split(separator: ":").last {
            case "int", "long", "integer", "decimal", "double", "short": return .number(literal.trimmingSpaces())
            case "boolean": return .bool(literal.trimmingSpaces() == "true")
            default: return .string(literal)
            }
        }
        var out = Value.Object()
        if type == "ChildDataObjectWrapper" { out["__type"] = "ChildDataObjectWrapper:K2.Data" }
        // DataContractSerializer reads a contract's members in ordinal order and skips, without
        // a word, an element that comes after one sorting later (e.g. CurrentPrimaryKey after
        // DataObjectName in a FormationInput).
        var last: [UInt8]?
        for member in object.members where !member.key.hasPrefix("@") && !member.key.hasPrefix("#") {
            let name = member.key.split(separator: ":").last.map(String.init) ?? member.key
            if let last, Array(name.utf8).lexicographicallyPrecedes(last) { continue }
            last = Array(name.utf8)
            if Self.itemNames[name] != nil || name == "Items" {
                out[name] = .array(Self.list(member.value).map { Self.fromXML($0, key: name) })
            } else {
                out[name] = Self.fromXML(member.value, key: name)
            }
        }
        return .object(out)
    }
}

extension K2XMLShape {
    /// What is wrong with the values of a posted XML DataObjectWrapper, as a strict K2 sees it:
    /// every `Value` carries `i:type` (or `i:nil`) and the type fits the field's ValueType.
    static func typeProblem(in document: Value, store: K2Store) -> String? {
        guard let root = document.objectValue?.members.first else { return "the body has no root element" }
        return Self.typeProblem(wrapper: root.value, store: store)
    }

    static func typeProblem(wrapper: Value, store: K2Store) -> String? {
        let className = wrapper["DOClassName"]?.stringValue ?? ""
        let dataClass = store.classIndex(className).map { store.classes[$0] }
        for pair in Self.list(wrapper["FieldValues"]) {
            let name = pair["Name"]?.stringValue ?? ""
            guard let value = pair["Value"]?.objectValue else { return "the value of \(name) carries no i:type" }
            if value["@i:nil"]?.stringValue == "true" { continue }
            guard let type = value["@i:type"]?.stringValue else { return "the value of \(name) carries no i:type" }
            let local = type.split(separator: ":").last.map(String.init) ?? type
            guard let field = dataClass?.field(name) else { continue }  // the write reports unknown fields itself
            let fits: Bool
            switch field.type {
            case "Numeric": fits = ["long", "int", "decimal", "double", "short"].contains(local)
            case "Boolean": fits = local == "boolean"
            case "DateTime": fits = local == "dateTime"
            case "Child": fits = local == "ChildDataObjectWrapper"
            default: fits = local == "string"
            }
            guard fits else {
                return "the value of \(name) has i:type \(type), which does not fit its ValueType \(field.type)"
            }
            if field.type == "Child" {
                for item in Self.list(value["Items"]) {
                    if let problem = Self.typeProblem(wrapper: item, store: store) { return problem }
                }
            }
        }
        return nil
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}
