import GatehouseCore
import HTTPTypes
import Hummingbird

extension GatewayResponder {
    /// The methods `/proxy` forwards: ``HTTPRequest/Method/forwarded``.
    static let proxiedMethods = Set(HTTPRequest.Method.forwarded)
    static let proxiedMethodsAllow = HTTPRequest.Method.forwardedAllow

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
