import GatehouseCore

/// The OpenAPI 3.1 documents Gatehouse publishes, built from a running (or checked) gateway.
///
/// ```swift
/// print(JSON.serialize(OpenAPIDocuments.dataPlane(gateway)))
/// ```
public enum OpenAPIDocuments {
    /// The data plane's document with every configured connection (`gatehouse openapi`); served
    /// at `GET /v1/openapi.json` with only the caller's connections.
    public static func dataPlane(_ gateway: Gateway) -> Value {
        DataPlaneDocument.build(connections: Array(gateway.connections.values))
    }

    /// The admin API's document, served at `GET /admin/v1/openapi.json` on the admin listener.
    public static func admin(_ gateway: Gateway, vault: Bool) -> Value {
        AdminDocument.build(connections: Array(gateway.connections.values), vault: vault)
    }
}
