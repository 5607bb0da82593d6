import GatehouseCore

extension CheckfrontAdapter {
    /// A record id: letters, digits and '-' (a number is taken as its digits).
    static let idSchema = Schema.types(
        ["string", "integer"], ["pattern": "^[A-Za-z0-9-]+$", "minimum": 0],
        description: "The record's id: letters, digits and '-'")
    /// A record as Checkfront answers it.
    static let record = Schema.map(description: "The record as Checkfront answers it")
    /// Parameters passed on as Checkfront's query or form fields (nested objects as `a[b]`).
    static let parameters = Schema.any.described("Passed on to Checkfront (nested objects as a[b])")

    /// The Checkfront adapter's operations.
    static let operationTable = OperationTable<CheckfrontAdapter>([
        .init(
            OperationDescription(
                "item.list", summary: "Lists items (GET item); every argument is a query parameter",
                arguments: Schema.map(Self.parameters), data: Schema.array(Self.record))
        ) { adapter, arguments in try await adapter.perform(.itemList(arguments.objectValue ?? [:])) },
        .init(
            OperationDescription(
                "item.get", summary: "Reads one item (GET item/{id}); the other arguments are query parameters",
                arguments: Schema.object(["id": Self.idSchema], required: ["id"], additional: Self.parameters),
                data: Schema.types(["object", "null"], description: "The item"))
        ) { adapter, arguments in
            try await adapter.perform(.itemGet(arguments.objectValue ?? [:], connection: adapter.connection))
        },
        .init(
            OperationDescription(
                "booking.list", summary: "Lists bookings (GET booking/index); page.next is the cursor of the next page",
                arguments: Schema.object(
                    ["cursor": Schema.string(description: "page.next of an earlier answer")],
                    additional: Self.parameters),
                data: Schema.array(Self.record))
        ) { adapter, arguments in
            try await adapter.perform(.bookingList(arguments.objectValue ?? [:], connection: adapter.connection))
        },
        .init(
            OperationDescription(
                "booking.get", summary: "Reads one booking (GET booking/{id})",
                arguments: Schema.object(["id": Self.idSchema], required: ["id"]),
                data: Schema.types(["object", "null"], description: "The booking"))
        ) { adapter, arguments in
            try await adapter.perform(.bookingGet(arguments.objectValue ?? [:], connection: adapter.connection))
        },
        .init(
            OperationDescription(
                "booking.update",
                summary: "Updates a booking (POST booking/{id}/update); the other arguments are its form fields",
                arguments: Schema.object(["id": Self.idSchema], required: ["id"], additional: Self.parameters),
                data: Schema.types(["object", "null"], description: "The booking as updated"))
        ) { adapter, arguments in
            try await adapter.perform(.bookingUpdate(arguments.objectValue ?? [:], connection: adapter.connection))
        },
        .init(
            OperationDescription(
                "request",
                summary: "Any Checkfront API 3.0 call; data is the answer without Checkfront's envelope members",
                arguments: Schema.object(
                    [
                        "method": Schema.oneOf(["GET", "POST", "PUT", "DELETE"], description: "default GET"),
                        "path": Schema.string(minLength: 1, description: "Below /api/3.0/, e.g. booking/index"),
                        "query": Schema.map(Self.parameters, description: "Query parameters"),
                        "body": Schema.any.described("Form fields (nested objects as a[b])"),
                    ],
                    required: ["path"]),
                data: Schema.any)
        ) { adapter, arguments in
            try await adapter.perform(.request(arguments.objectValue ?? [:], connection: adapter.connection))
        },
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
