import GatehouseCore

/// The OpenAPI 3.1 document of the admin API (`/admin/v1/...` on the admin listener), built
/// from the running configuration: each connection's admin actions are listed by name.
enum AdminDocument {
    /// One connection's health in `GET /admin/v1/connections`.
    static let connectionStatus = Schema.object(
        [
            "name": Schema.string(), "adapter": Schema.string(),
            "state": Schema.oneOf(["ok", "refreshing", "needs_reauthorization", "failing"]),
            "circuit": Schema.string(), "bulkhead": Schema.map(),
        ],
        required: ["name", "adapter"], additional: true)

    /// A secret's metadata (never its value).
    static let secretMetadata = Schema.object(
        ["path": Schema.string(), "version": Schema.integer()], required: ["path"], additional: true)

    static func data(_ schema: Value) -> Value { Schema.object(["data": schema], required: ["data"]) }

    static func operation(_ id: String, _ summary: String, _ responses: Value.Object, extra: Value.Object = [:])
        -> Value
    {
        var operation: Value.Object = [
            "operationId": .string(id), "summary": .string(summary), "tags": ["admin"],
            "responses": OpenAPIParts.withErrors(responses),
        ]
        for member in extra.members { operation[member.key] = member.value }
        return .object(operation)
    }

    /// The document for `connections` (all of them), with the secrets routes when a vault is configured.
    static func build(connections: [ConnectionRuntime], vault: Bool) -> Value {
        var paths = Value.Object()
        let connectionParameter: Value = [
            [
                "name": "connection", "in": "path", "required": true, "schema": Schema.string(),
                "description": "A connection's name",
            ]
        ]
        paths["/admin/v1/openapi.json"] = [
            "get": Self.operation(
                "admin_openapi", "This document",
                ["200": OpenAPIParts.json("The OpenAPI document", Schema.types(["object"]))])
        ]
        let names = Schema.array(Schema.string())
        paths["/admin/v1/config/reload"] = [
            "post": Self.operation(
                "reloadConfiguration",
                """
                Loads and checks the configuration file again; if it is valid, clients, connections and limits \
                are swapped (as on SIGHUP), else the running configuration stays and 400 gives the problem as \
                file:line in error.errors
                """,
                [
                    "200": OpenAPIParts.json(
                        "The new configuration serves",
                        Self.data(
                            Schema.object(
                                [
                                    "applied": Schema.boolean(), "generation": Schema.integer(minimum: 1),
                                    "connections": Schema.object(
                                        ["added": names, "removed": names, "rebuilt": names, "kept": names],
                                        required: ["added", "removed", "rebuilt", "kept"]),
                                    "restart_required": names.described(
                                        "Sections that changed but take a restart (server, admin, vault, alerts)"),
                                    "errors": names,
                                ],
                                required: ["applied", "generation", "connections", "restart_required"])))
                ])
        ]
        paths["/admin/v1/connections"] = [
            "get": Self.operation(
                "listConnections", "Every connection's credential health, circuit and bulkhead",
                ["200": OpenAPIParts.json("The connections", Self.data(Schema.array(Self.connectionStatus)))])
        ]
        paths["/admin/v1/connections/{connection}"] = [
            "parameters": connectionParameter,
            "get": Self.operation(
                "getConnection", "One connection's credential health",
                ["200": OpenAPIParts.json("The connection", Self.data(Self.connectionStatus))]),
        ]
        for connection in connections.sorted(by: { $0.name < $1.name }) {
            for action in connection.endpoints?.adminActions ?? [] {
                paths["/admin/v1/connections/\(connection.name)/\(action.name)"] = [
                    "post": Self.operation(
                        OpenAPIParts.operationID(connection.name, action.name), "\(action.title) (\(connection.name))",
                        ["200": OpenAPIParts.json("What the action did", Self.data(Schema.any))],
                        extra: [
                            "requestBody": [
                                "required": .bool(action.input != nil),
                                "content": [
                                    "application/json": [
                                        "schema": Schema.map(
                                            description: action.input.map { "Takes \($0)" } ?? "Takes no arguments")
                                    ]
                                ],
                            ]
                        ])
                ]
            }
        }
        if vault {
            let pathParameter: Value = [
                [
                    "name": "path", "in": "path", "required": true, "schema": Schema.string(),
                    "description": "A vault path such as echo-demo/token",
                ]
            ]
            paths["/admin/v1/secrets"] = [
                "get": Self.operation(
                    "listSecrets", "Every secret's metadata (never a value)",
                    ["200": OpenAPIParts.json("The secrets' metadata", Self.data(Schema.array(Self.secretMetadata)))])
            ]
            paths["/admin/v1/secrets/{path}"] = [
                "parameters": pathParameter,
                "get": Self.operation(
                    "getSecret", "One secret's metadata (never its value)",
                    ["200": OpenAPIParts.json("The secret's metadata", Self.data(Self.secretMetadata))]),
                "put": Self.operation(
                    "putSecret", "Stores a new version of a secret (the value goes in, never out)",
                    [
                        "200": OpenAPIParts.json("A new version of an existing secret", Self.data(Self.secretMetadata)),
                        "201": OpenAPIParts.json("The first version", Self.data(Self.secretMetadata)),
                    ],
                    extra: [
                        "requestBody": [
                            "required": true,
                            "content": [
                                "application/json": [
                                    "schema": Schema.object(
                                        [
                                            "value": Schema.string(),
                                            "expires_at": Schema.types(
                                                ["string", "null"], description: "ISO 8601, e.g. 2026-12-01T00:00:00Z"),
                                        ],
                                        required: ["value"])
                                ]
                            ],
                        ]
                    ]),
                "delete": Self.operation(
                    "deleteSecret", "Deletes a secret and its versions",
                    [
                        "200": OpenAPIParts.json(
                            "Deleted",
                            Self.data(
                                Schema.object(
                                    ["path": Schema.string(), "deleted": Schema.boolean()],
                                    required: ["path", "deleted"])))
                    ]),
            ]
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Gatehouse admin API", "version": "1",
                "description":
                    "The admin listener's API. Every route needs the admin token (admin.token) as a bearer token.",
            ],
            "security": [["adminToken": []]],
            "paths": .object(OpenAPIParts.uniqueOperationIDs(paths)),
            "components": [
                "securitySchemes": ["adminToken": OpenAPIParts.bearer("The admin token (admin.token)")],
                "schemas": ["Error": OpenAPIParts.error],
            ],
        ]
    }
}
