import GatehouseCore
import GatehouseXML
import Hummingbird

/// `/Data`: lists with fields, orderBy, conditions and pageState paging; detail; create; update
/// with the TimeStamp check and `Deleted` child items; `POST /Data/GetList/{class}`.
enum K2DataService {
    static func handle(_ segments: [String], _ context: K2Services.Context, state: K2SimulatorState) throws -> Response
    {
        guard let className = segments.first else {
            throw K2Error(.requestError, "A data object class is required.", status: 400)
        }
        if className.lowercased() == "getlist", segments.count == 2, context.method == .post {
            let body = try K2Services.body(context)
            var parameters: [(name: String, value: String)] = []
            for (key, name) in [
                ("Conditions", "conditions"), ("Fields", "fields"), ("OrderBy", "orderBy"), ("Page", "page"),
                ("PageSize", "pageSize"), ("PageState", "pageState"), ("orOperator", "orOperator"),
            ] {
                if let value = body[key], value != .null { parameters.append((name, K2Filter.text(value))) }
            }
            return try Self.list(segments[1], parameters: parameters, getList: true, context, state: state)
        }
        let keys = Array(segments.dropFirst())
        switch (context.method, keys.isEmpty) {
        case (.get, true): return try Self.list(className, parameters: context.parameters, context, state: state)
        case (.get, false):
            return try state.withStore { store in
                let (c, index) = try Self.find(className, keys, in: store)
                return try K2Services.answer(
                    Self.wrapper(
                        store.classes[c].records[index], store.classes[c],
                        fields: try Self.fields(context.parameter("fields"), store.classes[c]), context),
                    root: "DataObjectWrapper", context)
            }
        case (.post, true): return try Self.write(className, keys: nil, context, state: state)
        case (.put, false): return try Self.write(className, keys: keys, context, state: state)
        default: throw K2Error(.requestError, "Method \(context.method.rawValue) is not supported here.", status: 405)
        }
    }

    static func classOf(_ name: String, in store: K2Store) throws(K2Error) -> Int {
        guard let index = store.classIndex(name) else {
            throw K2Error(.requestError, "Data object class '\(name)' was not found.", status: 404)
        }
        return index
    }

    static func find(_ className: String, _ keys: [String], in store: K2Store) throws(K2Error) -> (Int, Int) {
        let c = try Self.classOf(className, in: store)
        let dataClass = store.classes[c]
        guard keys.count == dataClass.keyFields.count else {
            throw K2Error(
                .requestError, "Class \(dataClass.name) has a \(dataClass.keyFields.count)-part primary key.",
                status: 400)
        }
        guard
            let index = dataClass.records.firstIndex(where: { record in
                zip(dataClass.keyFields, keys).allSatisfy { K2Filter.text(record[$0.0] ?? .null) == $0.1 }
            })
        else {
            throw K2Error(
                .as3Error, "Record \(keys.joined(separator: "/")) of \(dataClass.name) does not exist.", status: 404)
        }
        return (c, index)
    }

    static func fields(_ text: String?, _ dataClass: K2Store.DataClass) throws(K2Error) -> [String] {
        guard let text, !text.isEmpty else { return dataClass.defaultFields }
        var names: [String] = []
        for name in text.split(separator: ",").map(String.init) {
            guard let field = dataClass.field(name) else {
                throw K2Error(.requestError, "Field '\(name)' does not exist in class \(dataClass.name).", status: 400)
            }
            names.append(field.name)
        }
        // The key always comes back.
        return dataClass.keyFields.filter { !names.contains($0) } + names
    }

    /// A page of `className`. Page URLs repeat the query with page + pageState; a GetList
    /// listing's page URLs carry only page + pageState (its other parameters stay in the POST body).
    static func list(
        _ className: String, parameters: [(name: String, value: String)], getList: Bool = false,
        _ context: K2Services.Context, state: K2SimulatorState
    ) throws -> Response {
        func parameter(_ name: String) -> String? {
            parameters.last { $0.name.lowercased() == name.lowercased() }?.value
        }
        return try state.withStore { store in
            let dataClass = store.classes[try Self.classOf(className, in: store)]
            let fields = try Self.fields(parameter("fields"), dataClass)
            let filter = try K2Filter(
                text: parameter("conditions"), or: parameter("orOperator")?.lowercased() == "true",
                hashMeansContains: state.configuration.likeHash == "contains")
            var records: [Value.Object] = []
            for record in dataClass.records where try filter.matches(record, in: dataClass) { records.append(record) }
            if let orderBy = parameter("orderBy"), !orderBy.isEmpty {
                let order = try orderBy.split(separator: ",").map { name throws(K2Error) -> (String, Bool) in
                    let descending = name.hasPrefix("-")
                    guard let field = dataClass.field(String(descending ? name.dropFirst() : name)) else {
                        throw K2Error(
                            .requestError, "Field '\(name)' does not exist in class \(dataClass.name).", status: 400)
                    }
                    return (field.name, descending)
                }
                records.sort { a, b in
                    for (name, descending) in order {
                        let c = K2Filter.compare(a[name] ?? .null, K2Filter.text(b[name] ?? .null))
                        if c != 0 { return descending ? c > 0 : c < 0 }
                    }
                    return false
                }
            }
            var size = Int(parameter("pageSize") ?? "30") ?? 30
            if size == -1 { size = max(records.count, 1) }
            guard size > 0 else { throw K2Error(.requestError, "pageSize must be positive or -1.", status: 400) }
            var offset = Int(parameter("pageState") ?? "").map { $0 } ?? 0
            switch parameter("page")?.lowercased() {
            case "next": offset += size
            case "prev": offset = max(0, offset - size)
            case "first": offset = 0
            case "last": offset = max(0, (records.count - 1) / size * size)
            default: break
            }
            offset = min(max(0, offset), records.count)
            let page = records[offset..<min(records.count, offset + size)]
            // Page URLs repeat the query with page + pageState (the current page's offset).
            let kept = getList ? [] : parameters.filter { !["page", "pagestate"].contains($0.name.lowercased()) }
            let listPath = context.apiBase + (getList ? "/Data/GetList/" : "/Data/") + K2Percent.encode(dataClass.name)
            func pageURL(_ verb: String) -> Value {
                let query =
                    kept.map { $0.name + "=" + K2Percent.encode($0.value, keeping: ";*@!^") } + [
                        "page=\(verb)", "pageState=\(offset)",
                    ]
                return .string(listPath + "?" + query.joined(separator: "&"))
            }
            let hasNext = offset + size < records.count
            var paged: Value.Object = [
                "Items": .array(page.map { Self.wrapper($0, dataClass, fields: fields, context) })
            ]
            paged["FirstPageURL"] = pageURL("first")
            paged["LastPageURL"] = pageURL("last")
            paged["NextPageURL"] = hasNext ? pageURL("next") : .null
            paged["PrevPageURL"] = offset > 0 ? pageURL("prev") : .null
            paged["RequestedFields"] = .array(fields.map { .string($0) })
            return try K2Services.answer(.object(paged), root: "PagedList", context)
        }
    }

    /// A record as a DataObjectWrapper with the requested fields.
    static func wrapper(
        _ record: Value.Object, _ dataClass: K2Store.DataClass, fields: [String], _ context: K2Services.Context
    ) -> Value {
        var pairs: [Value] = []
        for name in fields {
            guard let field = dataClass.field(name) else { continue }
            if field.noPermission {
                pairs.append(["Name": .string(field.name), "NoPermission": true])
                continue
            }
            var value = record[field.name] ?? .null
            if let childClass = field.childClass, case .array(let items) = value {
                let child = K2Store.DataClass(
                    name: childClass, v3Name: "", caption: "", fields: [], defaultFields: [], records: [])
                value = [
                    "__type": "ChildDataObjectWrapper:K2.Data",
                    "Items": .array(
                        items.compactMap(\.objectValue).map { item in
                            [
                                "__type": "DataObjectWrapper:K2.Data", "DOClassName": .string(child.name),
                                "FieldValues": .array(
                                    item.members.map { ["Name": .string($0.key), "Value": $0.value] }),
                            ]
                        }),
                ]
            }
            pairs.append(["Name": .string(field.name), "Value": value])
        }
        let keys = dataClass.keyFields.map { K2Percent.encode(K2Filter.text(record[$0] ?? .null)) }.joined(
            separator: "/")
        return [
            "__type": "DataObjectWrapper:K2.Data", "DOClassName": .string(dataClass.name), "FieldValues": .array(pairs),
            "ItemURL": .string(context.apiBase + "/Data/" + dataClass.name + "/" + keys),
        ]
    }

    /// The field values of a posted DataObjectWrapper, by name.
    static func values(of wrapper: Value) -> [(String, Value)] {
        K2XMLShape.list(wrapper["FieldValues"]).compactMap { pair in
            pair["Name"]?.stringValue.map { ($0, pair["Value"] ?? .null) }
        }
    }

    /// Create (`keys == nil`) or update: system fields required, TimeStamp checked, children merged.
    static func write(_ className: String, keys: [String]?, _ context: K2Services.Context, state: K2SimulatorState)
        throws -> Response
    {
        let body = try K2Services.body(context)
        guard body.objectValue != nil else { throw K2Services.Undeserialisable() }
        return try state.withStore { store in
            if context.xml, let document = try? XML.parse(context.body),
                let problem = K2XMLShape.typeProblem(in: document, store: store)
            {
                throw K2Error(.requestError, "The DataObjectWrapper could not be read: \(problem).", status: 400)
            }
            let c = try Self.classOf(className, in: store)
            var dataClass = store.classes[c]
            var record: Value.Object
            var index: Int?
            if let keys {
                let found = try Self.find(className, keys, in: store)
                index = found.1
                record = dataClass.records[found.1]
            } else {
                record = [:]
                for field in dataClass.fields where field.childClass != nil { record[field.name] = .array([]) }
            }
            let values = Self.values(of: body)
            if index != nil {
                for field in dataClass.fields where field.isSystem {
                    guard let sent = values.first(where: { $0.0.lowercased() == field.name.lowercased() }) else {
                        throw K2Error(
                            .as3Error, "The system field \(field.name) was not sent; read the record first.",
                            status: 400)
                    }
                    if K2Filter.text(sent.1) != K2Filter.text(record[field.name] ?? .null) {
                        throw K2Error(.as3Error, "The record was changed by another user (TimeStamp).", status: 400)
                    }
                }
            }
            for (name, value) in values {
                guard let field = dataClass.field(name) else {
                    throw K2Error(
                        .requestError, "Field '\(name)' does not exist in class \(dataClass.name).", status: 400)
                }
                if field.isSystem || field.noPermission || (index != nil && field.keyIndex != nil) { continue }
                if field.childClass != nil {
                    var items = (record[field.name]?.arrayValue ?? []).compactMap(\.objectValue)
                    for child in K2XMLShape.list(value["Items"]) {
                        let childValues = Self.values(of: child)
                        let rid = childValues.first { $0.0 == "RID" }.map { K2Filter.text($0.1) }
                        let deleted = child["Deleted"]?.boolValue == true || child["Deleted"]?.stringValue == "true"
                        if let rid, let at = items.firstIndex(where: { K2Filter.text($0["RID"] ?? .null) == rid }) {
                            if deleted { items.remove(at: at) } else { for (n, v) in childValues { items[at][n] = v } }
                        } else if deleted {
                            throw K2Error(.as3Error, "Item \(rid ?? "?") of \(field.name) does not exist.", status: 400)
                        } else {
                            var item: Value.Object = ["RID": .int(dataClass.nextID)]
                            dataClass.nextID += 1
                            for (n, v) in childValues where n != "RID" { item[n] = v }
                            items.append(item)
                        }
                    }
                    record[field.name] = .array(items.map { .object($0) })
                } else {
                    record[field.name] = value
                }
            }
            if index == nil {
                for key in dataClass.keyFields where record[key] == nil || record[key] == .null {
                    guard dataClass.field(key)?.type == "Numeric" else {
                        throw K2Error(.as3Error, "Key field \(key) is required.", status: 400)
                    }
                    record[key] = .int(dataClass.nextID)
                    dataClass.nextID += 1
                }
            }
            record["TimeStamp"] = .string(store.nextTimestamp())
            if let index { dataClass.records[index] = record } else { dataClass.records.append(record) }
            store.classes[c] = dataClass
            let fields = try Self.fields(context.parameter("fields"), dataClass)
            return try K2Services.answer(
                Self.wrapper(record, dataClass, fields: fields, context), root: "DataObjectWrapper", context)
        }
    }
}
