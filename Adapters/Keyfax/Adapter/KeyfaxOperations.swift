import GatehouseCore

extension KeyfaxAdapter {
    /// The Keyfax adapter's operations.
    static let operationTable = OperationTable<KeyfaxAdapter>([
        .init(
            OperationDescription(
                "startup.example", summary: "Reads Keyfax's example start-up data",
                arguments: Schema.object(), data: Schema.map(description: "Keyfax's example start-up data"))
        ) { adapter, _ in try await adapter.startupExample() },
        .init(
            OperationDescription(
                "startup",
                summary:
                    "Starts a Keyfax session with the caller's start-up data and answers with its GUID and launch URL",
                arguments: Schema.types(
                    ["object"], ["minProperties": 1],
                    description:
                        """
                        The start-up data, e.g. {\"mode\": {\"value\": \"ROL\"}, \"company\": {\"value\": \
                        \"OL3_Dev\"}}
                        """
                ),
                data: Schema.object(
                    ["guid": Schema.string(), "launchUrl": Schema.string(), "company": Schema.string()],
                    additional: true,
                    description: "Keyfax's launch data: the session's guid and the launchUrl to open")
            )
        ) { adapter, arguments in try await adapter.startup(arguments) },
        .init(
            OperationDescription(
                "results",
                summary: "Reads a session's results; HTTP 202 with meta.state \"pending\" while it is not finished",
                arguments: Schema.object(
                    [
                        "company": Schema.string(minLength: 1, description: "The company from the start-up answer"),
                        "guid": Schema.string(minLength: 1, description: "The session's guid from the start-up answer"),
                        "launchUrl": Schema.string(description: "The launch URL from the start-up answer (optional)"),
                    ],
                    required: ["company", "guid"]
                ),
                answer: .envelopeOrPending(
                    data: Schema.map(
                        description: "Keyfax's results (KeyfaxData); meta.state says completed or cancelled"))
            )
        ) { adapter, arguments in try await adapter.results(arguments) },
        .init(
            OperationDescription(
                "client_token", summary: "Issues a short-lived token for Keyfax's client-side script",
                arguments: Schema.object(),
                data: Schema.object(
                    [
                        "token": Schema.string(), "host": Schema.string(),
                        "expires_at": Schema.string(description: "ISO 8601"),
                    ],
                    required: ["token", "host", "expires_at"])
            )
        ) { adapter, _ in try await adapter.clientTokenEnvelope() },
    ])

    public var operations: [OperationDescription] { Self.operationTable.descriptions }

    public func perform(_ call: OperationCall) async throws -> Envelope {
        try await Self.operationTable.perform(call, on: self)
    }
}
