import GatehouseCore
import HTTPTypes
import Hummingbird

extension GatewayResponder {
    /// The methods `/proxy` forwards (the documented ones). Not TRACE: an upstream that honours
    /// it would echo the credential Gatehouse added back to the caller; not CONNECT, nor methods
    /// an upstream may read in ways the gateway cannot foresee (QUERY, WebDAV's).
    static let proxiedMethods: Set<HTTPRequest.Method> = [.get, .head, .post, .put, .patch, .delete, .options]
    static let proxiedMethodsAllow = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"

    /// 405 with `Allow: GET` unless `request` is a GET.
    static func requireGet(_ request: Request, _ route: String) throws {
        guard request.method == .get else { throw GatewayError.methodNotAllowed("\(route) takes GET", allow: "GET") }
    }

    /// 405 unless `/proxy` forwards `request`'s method.
    static func requireProxiedMethod(_ request: Request, connection: String) throws {
        guard Self.proxiedMethods.contains(request.method) else {
            throw GatewayError.methodNotAllowed(
                """
                /proxy forwards \(Self.proxiedMethodsAllow) only (an upstream answering TRACE would echo the \
                credential Gatehouse adds)
                """,
                allow: Self.proxiedMethodsAllow, connection: connection)
        }
    }
}
