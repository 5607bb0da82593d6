import GatehouseCore
import Hummingbird

extension GatewayResponder {
    /// `GET /v1/openapi.json`: the data plane's document, listing only the connections the
    /// authenticated caller may use.
    func openAPIDocument(_ request: Request, access: inout AccessRecord) async throws -> Response {
        let principal = try await self.authenticate(request, access: &access)
        guard request.method == .get else {
            throw GatewayError.methodNotAllowed("/v1/openapi.json takes GET", allow: "GET")
        }
        let allowed = self.gateway.connections.values.filter { principal.mayUse($0.name) }
        return Self.json(DataPlaneDocument.build(connections: Array(allowed)))
    }
}
