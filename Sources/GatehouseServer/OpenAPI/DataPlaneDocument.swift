import GatehouseCore

/// The OpenAPI 3.1 document of the data plane, built from the running configuration: each
/// connection's operations (from its adapter's ``OperationDescription``s), `/proxy` as a generic
/// pass-through, health, readiness and metrics.
enum DataPlaneDocument {
    /// The document listing `connections` (those the caller may use), sorted by name.
    static func build(connections: [ConnectionRuntime]) -> Value {
        var paths = Value.Object()
        paths["/v1/openapi.json"] = [
            "get": [
                "operationId": "openapi", "summary": "This document, listing the connections the caller may use",
                "tags": ["gateway"],
                "responses": OpenAPIParts.withErrors([
                    "200": OpenAPIParts.json("The OpenAPI document", Schema.types(["object"]))
                ]),
            ]
        ]
        for connection in connections.sorted(by: { $0.name < $1.name }) {
            for operation in connection.adapter.operations {
                paths["/v1/\(connection.name)/\(operation.name)"] = ["post": Self.operation(operation, on: connection)]
            }
            paths["/proxy/\(connection.name)/{path}"] = .object(Self.proxy(connection))
        }
        paths["/healthz"] = [
            "get": [
                "operationId": "healthz", "summary": "The process is up", "tags": ["gateway"], "security": [],
                "responses": OpenAPIParts.withErrors([
                    "200": OpenAPIParts.json(
                        "Up", Schema.object(["status": Schema.oneOf(["ok"])], required: ["status"]))
                ]),
            ]
        ]
        paths["/readyz"] = [
            "get": [
                "operationId": "readyz",
                "summary": "The gateway can serve (vault open and reachable); 503 unavailable when not",
                "tags": ["gateway"], "security": [],
                "responses": OpenAPIParts.withErrors(["200": OpenAPIParts.json("Ready", Schema.types(["object"]))]),
            ]
        ]
        paths["/metrics"] = [
            "get": [
                "operationId": "metrics", "summary": "Prometheus metrics", "tags": ["gateway"], "security": [],
                "responses": OpenAPIParts.withErrors([
                    "200": [
                        "description": "Prometheus text format", "content": ["text/plain": ["schema": Schema.string()]],
                    ]
                ]),
            ]
        ]
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Gatehouse data plane",
                "version": "1",
                "description": """
                Operations (POST /v1/{connection}/{operation}) take their arguments as JSON, or as XML with \
                Content-Type: application/xml (the value-tree convention: every scalar as text, lists wrapped, \
                e.g. <keys><key>5</key></keys>), and answer with the uniform envelope {data, page?, meta} \
                (as XML, root <response>, with Accept: application/xml). Every refusal is the uniform error body.
                """,
            ],
            "security": [["gatewayKey": []]],
            "paths": .object(OpenAPIParts.uniqueOperationIDs(paths)),
            "components": [
                "securitySchemes": [
                    "gatewayKey": OpenAPIParts.bearer(
                        "A gateway client key (gh_...), or an OKIT token with X-Client-Prefix")
                ],
                "schemas": ["Error": OpenAPIParts.error, "Page": Self.page],
            ],
        ]
    }

    /// `page`: cursors of the neighbouring pages and the total when the upstream says.
    static let page = Schema.object(
        [
            "next": Schema.string(description: "Pass as cursor for the next page"), "prev": Schema.string(),
            "first": Schema.string(),
            "last": Schema.string(), "total": Schema.integer(),
        ], additional: true)

    /// `meta`: the connection, the adapter, the upstream's status and what the adapter adds.
    static let meta = Schema.object(
        ["connection": Schema.string(), "adapter": Schema.string(), "upstream_status": Schema.integer()],
        required: ["connection", "adapter"], additional: true)

    /// The uniform envelope with `data` matching `data`.
    static func envelope(_ data: Value) -> Value {
        Schema.object(
            ["data": data, "page": ["$ref": "#/components/schemas/Page"], "meta": Self.meta],
            required: ["data", "meta"])
    }

    static func operation(_ operation: OperationDescription, on connection: ConnectionRuntime) -> Value {
        var responses = Value.Object()
        switch operation.answer {
        case .envelope(let data):
            responses["200"] = OpenAPIParts.json("The uniform envelope", Self.envelope(data))
        case .envelopeOrPending(let data):
            responses["200"] = OpenAPIParts.json("The uniform envelope", Self.envelope(data))
            responses["202"] = OpenAPIParts.json(
                "Not ready yet: data is null, meta.state is pending",
                Schema.object(
                    ["data": Schema.types(["null"]), "meta": Self.meta], required: ["data", "meta"]))
        case .file:
            responses["200"] = [
                "description": "The file, streamed with the upstream's Content-Type",
                "content": ["*/*": ["schema": Schema.any]],
            ]
        }
        return [
            "operationId": .string(OpenAPIParts.operationID(connection.name, operation.name)),
            "summary": .string(operation.summary),
            "tags": [.string(connection.name)],
            "description": .string(
                """
                Connection \(connection.name) (adapter \(connection.adapterName)). The arguments may also be sent \
                as XML 
                """
                    + """
                    (Content-Type: application/xml) in the value-tree convention; they are read into this JSON \
                    form and checked against it.
                    """
            ),
            "requestBody": [
                "required": false,
                "description": "The arguments; no body is the same as {}",
                // The schema describes the JSON form; XML arguments follow the value-tree
                // convention (info.description), which a JSON Schema cannot state.
                "content": ["application/json": ["schema": operation.arguments]],
            ],
            "responses": OpenAPIParts.withErrors(responses),
        ]
    }

    /// `/proxy/{connection}/{path}`: the methods `/proxy` forwards (not TRACE or CONNECT), to `base_url + path` with
    /// credentials added.
    static func proxy(_ connection: ConnectionRuntime) -> Value.Object {
        var item: Value.Object = [
            "parameters": [
                [
                    "name": "path", "in": "path", "required": true, "schema": Schema.string(),
                    "description": "The path below base_url (may hold further / segments)",
                ]
            ]
        ]
        for method in ["get", "head", "post", "put", "patch", "delete", "options"] {
            item[method] = [
                "operationId": .string(OpenAPIParts.operationID("proxy", connection.name, method)),
                "summary": .string("Forwards to \(connection.name)'s base_url with the connection's credentials added"),
                "tags": [.string(connection.name)],
                "responses": [
                    "default": [
                        "description":
                            """
                        The upstream's answer as it sent it, or the uniform error body for the gateway's own \
                        refusals
                        """
                    ]
                ],
            ]
        }
        return item
    }
}
