import GatehouseCore

extension OKITAdapter {
    /// The application prefix is configuration: a caller naming one is refused, saying so.
    static let applicationPrefix = Schema.forbidden(
        "the application prefix is the connection's configuration (options.application_prefix), never an argument")

    /// The OKIT adapter's one operation.
    static let operationTable = OperationTable<OKITAdapter>([
        .init(
            OperationDescription(
                "token.validate",
                summary: "Asks the OKIT validator whether a caller's token is valid for the connection's application",
                arguments: Schema.object(
                    [
                        "token": Schema.string(
                            minLength: 1, maxLength: DelegatedTokenAuthenticator<ContinuousClock>.maximumTokenBytes,
                            description: "The caller's OKIT token"),
                        "client_prefix": Schema.string(
                            minLength: 1, description: "The caller's client prefix (X-Client-Prefix)"),
                        "application_prefix": Self.applicationPrefix, "applicaiontPrefix": Self.applicationPrefix,
                        "applicationPrefix": Self.applicationPrefix,
                    ],
                    required: ["token", "client_prefix"]
                ),
                data: Schema.object(
                    ["valid": Schema.boolean(), "message": Schema.string(description: "OKIT's message")],
                    required: ["valid", "message"])
            )
        ) { adapter, arguments in
            let checked = try ValidationArguments(arguments, connection: adapter.connection)
            let (verdict, status) = try await adapter.ask(checked.token, clientPrefix: checked.clientPrefix)
            return Envelope(
                data: ["valid": .bool(verdict.isValid), "message": .string(verdict.message)], upstreamStatus: status)
        }
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
