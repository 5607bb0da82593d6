import GatehouseCore

extension K2Adapter {
    /// A class, field, folder or script name: `[A-Za-z_][A-Za-z0-9_.]*`.
    static let name = Schema.string(pattern: Self.namePattern, description: "A K2 name: [A-Za-z_][A-Za-z0-9_.]*")
    /// What ``K2Conditions/isFieldName(_:)`` accepts, as a schema pattern.
    static let namePattern = "^[A-Za-z_][A-Za-z0-9_.]*$"
    /// Field names: a list, or one comma-separated string.
    static let names = Schema.types(
        ["array", "string"], ["items": Schema.string(pattern: Self.namePattern)],
        description: "Field names: a list, or one comma-separated string")
    /// The parts of a primary key, in order.
    static let keys = Schema.types(
        ["array", "string", "integer"],
        ["items": Schema.types(["string", "number"], ["minLength": 1]), "minItems": 1, "minLength": 1],
        description: "The parts of the primary key, in order (one part may stand alone)")
    static let scalar = Schema.scalar()
    /// One filter condition (see the K2 README, "Filters").
    static let condition = Schema.object(
        [
            "field": Schema.string(pattern: Self.namePattern, description: "The field compared"),
            "op": Schema.oneOf(["LT", "LE", "GT", "GE", "EQ", "NE", "EMPTY", "LIKE", "IN", "BETWEEN"]),
            "value": Self.scalar.described("The operand of LT ... NE and LIKE; a JSON number is written unquoted"),
            "values": Schema.array(
                Self.scalar, minItems: 1, description: "The operands of IN, or [from, to] of BETWEEN"),
            "other_field": Schema.string(
                pattern: Self.namePattern, description: "Compare with this field instead of a value (LT ... NE)"),
            "not": Schema.boolean(description: "Negates the condition"),
            "wildcards": Schema.boolean(description: "LIKE: * and ? are wildcards"),
            "case_sensitive": Schema.boolean(description: "LIKE: case-sensitive"),
            "match": Schema.oneOf(["starts_with", "contains"], description: "LIKE: where the value may match"),
            "starts_with": Schema.boolean(description: "LIKE: the same as match: starts_with"),
        ],
        required: ["field", "op"]
    )
    static let filter = Schema.array(
        Self.condition, description: "Conditions, all of which must hold (any with or_operator)")
    /// A record in Gatehouse's shape.
    static let record = Schema.object(
        [
            "class": Schema.string(), "keys": Schema.array(Schema.string()),
            "fields": Schema.map(description: "Field values by name; child collections are lists of records"),
            "no_permission": Schema.array(Schema.string(), description: "Fields the K2 user may not read"),
        ],
        required: ["class", "fields", "no_permission"], additional: true)
    /// What a script or report runs with: parameters and an optional data selection.
    static let run = Schema.object(
        [
            "folder": Self.name, "name": Self.name,
            "ext": Self.name.described("pas (a script, the default) or a report's extension"),
            "parameters": Schema.map(Self.scalar, description: "The script's parameters by name"),
            "return_file_data": Schema.boolean(description: "The file's bytes in bulk_data instead of a download URL"),
            "class": Self.name.described("The class of the data selection"),
            "key": Schema.map(Self.scalar, description: "The current record's primary key {field: value}"),
            "records": Schema.array(
                Schema.map(Self.scalar), description: "Selected records' primary keys, each {field: value}"),
            "filter": Self.filter, "or_operator": Schema.boolean(),
            "return_url": Schema.boolean(),
        ],
        required: ["folder", "name"])

    /// The K2 adapter's operations.
    static let operationTable = OperationTable<K2Adapter>([
        .init(
            OperationDescription(
                "data.list", summary: "Lists records of a class; page.next is the cursor of the next page",
                arguments: Schema.object(
                    [
                        "class": Self.name, "fields": Self.names,
                        "order_by": Schema.types(
                            ["array", "string"],
                            ["items": Schema.string(pattern: "^-?" + Self.namePattern.dropFirst())],
                            description:
                                "Sort fields: a list, or one comma-separated string; a leading - sorts descending"),
                        "page_size": Schema.integer(
                            minimum: -1, maximum: 10_000, description: "1-10000, or -1 for every record at once"),
                        "filter": Self.filter,
                        "or_operator": Schema.boolean(description: "Any condition instead of all"),
                        "cursor": Schema.string(
                            description:
                                "page.next (or prev, first, last) of an earlier answer; replaces the other arguments"),
                    ]),
                data: Schema.array(Self.record))
        ) { adapter, arguments in try await adapter.list(arguments) },
        .init(
            OperationDescription(
                "data.get", summary: "Reads one record by its primary key",
                arguments: Schema.object(
                    ["class": Self.name, "keys": Self.keys, "fields": Self.names], required: ["class", "keys"]),
                data: Self.record)
        ) { adapter, arguments in try await adapter.get(arguments) },
        .init(
            OperationDescription(
                "data.create", summary: "Creates a record",
                arguments: Schema.object(
                    [
                        "class": Self.name, "fields": Schema.map(description: "Field values by name"),
                        "return_fields": Self.names,
                    ],
                    required: ["class", "fields"]),
                data: Self.record)
        ) { adapter, arguments in try await adapter.create(arguments) },
        .init(
            OperationDescription(
                "data.update",
                summary: "Updates a record; send the system fields (TimeStamp) you read, a stale one is 409 conflict",
                arguments: Schema.object(
                    [
                        "class": Self.name, "keys": Self.keys,
                        "fields": Schema.map(
                            description: "Field values by name, with the system fields from an earlier read"),
                        "no_permission": Self.names.described("Fields withheld on reading: never written back"),
                        "return_fields": Self.names,
                    ],
                    required: ["class", "keys", "fields"], additional: true),
                data: Self.record)
        ) { adapter, arguments in try await adapter.update(arguments) },
        .init(
            OperationDescription(
                "data.delete_items", summary: "Deletes items of a record's child collection",
                arguments: Schema.object(
                    [
                        "class": Self.name, "keys": Self.keys,
                        "collection": Self.name.described("The child collection"),
                        "fields": Schema.map(description: "The record's system fields (TimeStamp)"),
                        "items": Schema.array(
                            Schema.map(), minItems: 1, description: "The items to delete, each by its key fields"),
                    ],
                    required: ["class", "keys", "collection", "items"]),
                data: Self.record)
        ) { adapter, arguments in try await adapter.deleteItems(arguments) },
        .init(
            OperationDescription(
                "meta.list", summary: "Lists the published classes", arguments: Schema.object(),
                data: Schema.any.described("K2's Meta answer"))
        ) { adapter, _ in try await adapter.metaList() },
        .init(
            OperationDescription(
                "meta.get", summary: "Describes one class: fields, keys, children and system fields",
                arguments: Schema.object(["class": Self.name], required: ["class"]),
                data: Schema.any.described("K2's Meta answer for the class"))
        ) { adapter, arguments in try await adapter.metaGet(arguments) },
        .init(
            OperationDescription(
                "formation.list", summary: "Lists scripts and reports, optionally for one class",
                arguments: Schema.object(["class": Self.name]), data: Schema.any.described("K2's Formation answer"))
        ) { adapter, arguments in try await adapter.formationList(arguments) },
        .init(
            OperationDescription(
                "formation.run", summary: "Runs a script or report: its output parameters, and its file's URL or bytes",
                arguments: Self.run,
                data: Schema.object(
                    [
                        "parameters": Schema.map(description: "Output parameters by name"), "url": Schema.string(),
                        "bulk_data": Schema.string(description: "The file, base64"),
                    ],
                    required: ["parameters"]))
        ) { adapter, arguments in try await adapter.formationRun(arguments) },
        .init(
            OperationDescription(
                "formation.download", summary: "Runs a script or report and streams the file it made",
                arguments: Self.run, answer: .file)
        ) { adapter, arguments in try await adapter.formationDownload(arguments) },
        .init(
            OperationDescription(
                "formation.html", summary: "Streams the HTML page a script generates",
                arguments: Schema.object(
                    [
                        "folder": Self.name, "name": Self.name, "ext": Schema.oneOf(["pas"]),
                        "parameters": Schema.map(Self.scalar, description: "The script's parameters by name"),
                    ],
                    required: ["folder", "name"]),
                answer: .file)
        ) { adapter, arguments in try await adapter.formationHTML(arguments) },
        .init(
            OperationDescription(
                "formation.definition", summary: "Reads a script's or report's definition",
                arguments: Schema.object(
                    [
                        "folder": Self.name, "name": Self.name,
                        "ext": Self.name.described("pas (a script, the default) or a report's extension"),
                    ],
                    required: ["folder", "name"]),
                data: Schema.any.described("K2's FormationDefinition answer"))
        ) { adapter, arguments in try await adapter.formationDefinition(arguments) },
    ])

    public var operations: [OperationDescription] { Self.operationTable.descriptions }

    public func perform(_ call: OperationCall) async throws -> Envelope {
        do {
            return try await Self.operationTable.perform(call, on: self)
        } catch let error as GatewayError {
            throw error.on(connection: self.connection)
        }
    }
}
