import GatehouseCore
import HTTPTypes
import GatehouseSimulation
import Hummingbird
import NIOCore

/// The OKIT simulator's route table: the validator as the seed documents it, and its own
/// control routes under `/_sim/` (the shared ones are ``SimulatorState``'s).
enum OKITRoutes {
    /// The validator's path, matched case-insensitively as IIS does.
    static let validatorPath = "/okit.operator.api/api/tokenvalidator"

    static func respond(to request: Request, state: OKITSimulatorState) async throws -> Response {
        let path = request.uri.path
        if path.lowercased() == Self.validatorPath {
            return try await self.validate(request, state: state)
        }
        return Self.json(["message": "No HTTP resource was found that matches the request URI."], status: .notFound)
    }

    /// The OKIT simulator's own control routes: `tokens` issues, `revoke` revokes.
    static func control(_ route: String, method: HTTPRequest.Method, body: Value, state: OKITSimulatorState) throws
        -> Response?
    {
        switch (method, route) {
        case (.post, "tokens"):
            guard let application = body["application"]?.stringValue, let client = body["client"]?.stringValue else {
                return Self.json(
                    ["error": "body must be {\"application\", \"client\", \"token\"?}"], status: .badRequest)
            }
            let token = body["token"]?.stringValue ?? "okit-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
            state.issue(token: token, application: application, client: client)
            return Self.json(["token": .string(token)], status: .created)
        case (.post, "revoke"):
            guard let token = body["token"]?.stringValue else {
                return Self.json(["error": "body must be {\"token\"}"], status: .badRequest)
            }
            return Self.json(["revoked": .bool(state.revoke(token))])
        default:
            return nil
        }
    }

    /// `GET /OKIT.Operator.Api/api/tokenvalidator?token=..&applicaiontPrefix=..&clientPrefix=..`.
    static func validate(_ request: Request, state: OKITSimulatorState) async throws -> Response {
        guard request.method == .get else {
            return Self.json(
                [
                    "message": .string(
                        "The requested resource does not support http method '\(request.method.rawValue)'.")
                ],
                status: .methodNotAllowed
            )
        }
        let query = request.uri.query ?? ""
        let parameters = Self.parameters(query)
        let seen = OKITSimulatorState.ValidationRequest(
            query: query, parameters: parameters, traceparent: request.headers[HTTPField.Name("traceparent")!])
        state.record(seen)
        let mode = state.mode
        if mode.latencyMilliseconds > 0 { try await Task.sleep(for: .milliseconds(mode.latencyMilliseconds)) }
        switch mode.failure {
        case .serverError:
            return Response(
                status: .internalServerError,
                headers: [.contentType: "text/html"],
                body: .init(
                    byteBuffer: ByteBuffer(
                        string: "<html><body><h1>Server Error in '/OKIT.Operator.Api' Application.</h1></body></html>")
                )
            )
        case .garbage:
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain"],
                body: .init(byteBuffer: ByteBuffer(string: "Token is valid"))
            )
        case .redirect:
            var response = Self.json(["valid": true, "message": "Token is valid"], status: .found)
            response.headers[.location] = mode.redirectTo
            return response
        case .wrongShape:
            return Self.json(["valid": "true", "message": "Token is valid"])
        case .none:
            // The real API's parameter is spelt `applicaiontPrefix`; a correctly spelt
            // `applicationPrefix` is not read, exactly as OKIT would not read it.
            let valid = state.isValid(
                token: seen.parameter("token") ?? "",
                application: seen.parameter("applicaiontPrefix") ?? "",
                client: seen.parameter("clientPrefix") ?? ""
            )
            return Self.json(
                ["valid": .bool(valid), "message": .string(valid ? "Token is valid" : "Token is not valid")],
                status: .init(code: mode.status ?? 200)
            )
        }
    }

    /// Splits and decodes a query as ASP.NET does (`+` is a space, `%XX` a byte).
    static func parameters(_ query: String) -> [OKITSimulatorState.ValidationRequest.Parameter] {
        FormEncoding.pairs(query).map { .init(name: $0.name, value: $0.value) }
    }

    static func json(_ value: Value, status: HTTPResponse.Status = .ok) -> Response {
        SimulatorHTTP.json(value, status: status.code)
    }
}
