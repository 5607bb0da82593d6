import GatehouseCore
import HTTPTypes
import Hummingbird

extension GatewayResponder {
    /// The methods `/proxy` refuses; every other is forwarded. TRACE: an upstream that honours
    /// it would echo the credential Gatehouse added back to the caller. CONNECT: no request for an upstream.
    static let refusedProxyMethods: Set<HTTPRequest.Method> = [.trace, .connect]
    /// What a 405 on `/proxy` says it takes (the documented methods).
    static let proxiedMethodsAllow = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"

    /// 405 with `Allow: GET` unless `request` is a GET.
    static func requireGet(_ request: Request, _ route: String) throws {
        guard request.method == .get else { throw GatewayError.methodNotAllowed("\(route) takes GET", allow: "GET") }
    }

    /// 405 for TRACE and CONNECT on `/proxy`.
    static func requireProxiedMethod(_ request: Request, connection: String) throws {
        guard !Self.refusedProxyMethods.contains(request.method) else {
            throw GatewayError.methodNotAllowed(
                "/proxy does not forward TRACE or CONNECT (an upstream answering TRACE would echo the credential Gatehouse adds)",
                allow: Self.proxiedMethodsAllow, connection: connection)
        }
    }
}
