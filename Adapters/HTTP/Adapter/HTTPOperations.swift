import GatehouseCore
import HTTPTypes

extension HTTPAdapter {
    /// The http adapter's one operation.
    static let operationTable = OperationTable<HTTPAdapter>([
        .init(
            OperationDescription(
                "request",
                summary:
                    """
                    Sends one request below base_url with the connection's credential and answers with the \
                    upstream's JSON (or text) as data
                    """,
                arguments: Schema.object(
                    [
                        "method": Schema.oneOf(
                            HTTPRequest.Method.forwarded.map(\.rawValue),
                            description: "HTTP method, default GET (not TRACE or CONNECT: see /proxy)"),
                        "path": Schema.string(
                            description: "Path below base_url, e.g. /orders/42; no '.'/'..' segments, '?' or '#'"),
                        "query": Schema.map(
                            Schema.scalar(), description: "Query parameters, each a string, number or boolean"),
                        "headers": Schema.map(
                            Schema.string(),
                            description: "Extra request headers (hop-by-hop and credential headers are dropped)"),
                        "body": Schema.any.described("The request body: a string as is, anything else as JSON"),
                    ],
                    required: ["path"]
                ),
                data: Schema.any.described("The upstream's answer: its JSON, or its text when it is not JSON")
            )
        ) { adapter, arguments in try await adapter.request(arguments) }
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
