import GatehouseCore

/// K2's DataObjectWrapper <-> Gatehouse's record
/// `{"class", "keys", "fields": {...}, "no_permission": [names]}`; child collections
/// (`ChildDataObjectWrapper`) are arrays of records.
enum K2Record {
    /// A wrapper as a record. `keys` come from the wrapper's `ItemURL` (the path parts after the class).
    static func record(from wrapper: Value, connection: String) throws(GatewayError) -> Value {
        guard let object = wrapper.objectValue else {
            throw GatewayError(.upstreamError, "K2 answered a record that is not an object", connection: connection)
        }
        let className = object["DOClassName"]?.stringValue ?? ""
        var fields = Value.Object()
        var noPermission: [Value] = []
        for pair in K2Arguments.list(object["FieldValues"]) {
            guard let name = pair["Name"]?.stringValue else { continue }
            if pair["NoPermission"]?.boolValue == true || pair["NoPermission"]?.stringValue == "true" {
                noPermission.append(.string(name))
                continue
            }
            fields[name] = try Self.fieldValue(pair["Value"] ?? .null, connection: connection)
        }
        var record: Value.Object = ["class": .string(className)]
        if let url = object["ItemURL"]?.stringValue, !url.isEmpty {
            record["keys"] = .array(Self.keys(fromItemURL: url, className: className))
        }
        record["fields"] = .object(fields)
        record["no_permission"] = .array(noPermission)
        return .object(record)
    }

    static func fieldValue(_ value: Value, connection: String) throws(GatewayError) -> Value {
        if let object = value.objectValue, let type = object["__type"]?.stringValue {
            if type.hasPrefix("ChildDataObjectWrapper") {
                var items: [Value] = []
                for item in K2Arguments.list(object["Items"]) {
                    items.append(try Self.record(from: item, connection: connection))
                }
                return .array(items)
            }
            if type.hasPrefix("DataObjectWrapper") { return try Self.record(from: value, connection: connection) }
        }
        return value
    }

    /// The key parts of `.../Data/{class}/{k1}/{k2}` (percent-decoded).
    static func keys(fromItemURL url: String, className: String) -> [Value] {
        let path = url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard let data = parts.lastIndex(where: { $0.lowercased() == "data" }), data + 1 < parts.count else {
            return []
        }
        return parts[(data + 2)...].map { .string(PercentEncoding.decode($0)) }
    }

    /// A record's fields as a DataObjectWrapper for create/update. Arrays become child
    /// collections whose items are records (`{"class"?, "fields", "deleted"?}`) or plain field objects.
    static func wrapper(className: String, fields: Value.Object, deleted: Bool = false) throws(GatewayError) -> Value {
        var pairs: [Value] = []
        for member in fields.members {
            guard K2Conditions.isFieldName(member.key) else {
                throw GatewayError(.badRequest, "\"\(member.key.prefix(60))\" is not a field name")
            }
            let value: Value
            if case .array(let items) = member.value {
                var children: [Value] = []
                for item in items {
                    guard let object = item.objectValue else {
                        throw GatewayError(.badRequest, "items of \"\(member.key)\" are objects (records or fields)")
                    }
                    let childFields = object["fields"]?.objectValue ?? (object["fields"] == nil ? object : [:])
                    let childClass = object["class"]?.stringValue ?? ""
                    let childDeleted = object["deleted"]?.boolValue == true || object["deleted"]?.stringValue == "true"
                    children.append(try Self.wrapper(className: childClass, fields: childFields, deleted: childDeleted))
                }
                value = ["__type": "ChildDataObjectWrapper:K2.Data", "Items": .array(children)]
            } else {
                value = member.value
            }
            pairs.append(["Name": .string(member.key), "Value": value])
        }
        var wrapper: Value.Object = ["__type": "DataObjectWrapper:K2.Data", "DOClassName": .string(className)]
        if deleted { wrapper["Deleted"] = true }
        wrapper["FieldValues"] = .array(pairs)
        return .object(wrapper)
    }
}
