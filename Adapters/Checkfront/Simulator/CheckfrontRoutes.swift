import GatehouseCore
import GatehouseCrypto
import GatehouseSimulation
import HTTPTypes
import Hummingbird
import NIOCore

/// The Checkfront simulator's route table, and its own control routes under `/_sim/`.
enum CheckfrontRoutes {
    /// `fail` (the next token-endpoint calls fail or answer a hostile pair), `revoke` (every
    /// grant), `redirect` (the API answers 301 elsewhere).
    static func control(_ route: String, method: HTTPRequest.Method, body: Value, state: CheckfrontSimulatorState)
        -> Response?
    {
        switch (method, route) {
        case (.post, "fail"):
            let times = max(0, min(body["token_endpoint"]?.intValue ?? 1, 1_000))
            if let lifetime = body["expires_in"] {
                state.answerTokenEndpoint(expiresIn: lifetime, times: times)
            } else {
                state.failTokenEndpoint(
                    times: times,
                    status: body["status"]?.intValue.flatMap { (100...599).contains($0) ? $0 : nil } ?? 503)
            }
            return Self.json(["ok": true])
        case (.post, "revoke"):
            state.revokeAll()
            return Self.json(["ok": true])
        case (.post, "redirect"):
            state.redirectAPI(to: body["to"]?.stringValue)
            return Self.json(["ok": true])
        default:
            return nil
        }
    }

    static func respond(to request: Request, state: CheckfrontSimulatorState) async throws -> Response {
        let path = request.uri.path
        if path.hasPrefix("/api/") { return try await CheckfrontAPI.respond(to: request, state: state) }
        switch (request.method, path) {
        case (.get, "/oauth/"), (.get, "/oauth"):
            return Self.authorize(request, state: state)
        case (.post, "/oauth/token/"):
            return try await Self.token(request, state: state)
        case (.post, "/oauth/token"):
            var response = Self.json(
                ["error": "invalid_request", "error_description": "use /oauth/token/"], status: .movedPermanently)
            response.headers[.location] = "/oauth/token/"
            return response
        default:
            return Self.json(["error": "not_found", "error_description": "no such page"], status: .notFound)
        }
    }

    /// `GET /oauth/?client_id&response_type=code&redirect_uri&state`: a page asking the demo staff
    /// user to approve; `&approve=yes` approves (redirect with a code), `&approve=no` denies.
    static func authorize(_ request: Request, state: CheckfrontSimulatorState) -> Response {
        let query = FormEncoding.pairs(request.uri.query ?? "")
        func value(_ name: String) -> String? { query.first { $0.name == name }?.value }
        guard value("client_id") == state.clientID else {
            return Self.json(
                ["error": "invalid_client", "error_description": "unknown client_id"], status: .badRequest)
        }
        guard value("response_type") == "code", let redirect = value("redirect_uri"), !redirect.isEmpty else {
            return Self.json(
                ["error": "invalid_request", "error_description": "response_type=code and redirect_uri are required"],
                status: .badRequest)
        }
        let echoState = value("state").map { "&state=" + FormEncoding.encode($0) } ?? ""
        let separator = redirect.contains("?") ? "&" : "?"
        switch value("approve") {
        case "yes":
            let code = state.issueCode(redirectURI: redirect)
            return Self.redirect(redirect + separator + "code=" + code + echoState)
        case "no":
            return Self.redirect(
                redirect + separator + "error=access_denied&error_description=The+user+denied+access" + echoState)
        default:
            let base = "/oauth/?" + (request.uri.query ?? "")
            let html = """
                <!doctype html><html><head><title>Checkfront: authorize application</title></head><body>
                <h1>Authorize application</h1><p>Signed in as <b>demo.staff@demo.checkfront.test</b> (Demo Tours).</p>
                <p><a href="\(FormEncoding.html(base + "&approve=yes"))">Approve</a> &middot; <a \
                href="\(FormEncoding.html(base + "&approve=no"))">Deny</a></p>
                </body></html>
                """
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: html)))
        }
    }

    /// `POST /oauth/token/`.
    static func token(_ request: Request, state: CheckfrontSimulatorState) async throws -> Response {
        let form = FormEncoding.pairs(String(decoding: try await Self.bytes(of: request), as: UTF8.self))
        func value(_ name: String) -> String? { form.first { $0.name == name }?.value }
        if let status = state.tokenCall(traceparent: request.headers[HTTPField.Name("traceparent")!]) {
            return Self.json(
                ["error": "temporarily_unavailable", "error_description": "try again later"],
                status: .init(code: status))
        }
        let method = Self.clientAuthentication(request.headers[.authorization], form: form, state: state)
        state.recordClientAuthentication(
            method, authorizationHeader: request.headers[.authorization] != nil,
            secretInBody: value("client_secret") != nil)
        guard method != nil else {
            var response = Self.json(
                ["error": "invalid_client", "error_description": "Client authentication failed"], status: .unauthorized)
            response.headers[.wwwAuthenticate] = "Basic realm=\"Checkfront\""
            return response
        }
        if let lifetime = state.hostileLifetime() {
            return Self.json([
                "access_token": .string(CheckfrontSimulatorState.random("hostile")), "token_type": "Bearer",
                "expires_in": lifetime,
                "refresh_token": .string(CheckfrontSimulatorState.random("hostile")),
            ])
        }
        let result: Result<(access: String, refresh: String), OAuthFailure>
        switch value("grant_type") {
        case "authorization_code":
            guard let code = value("code") else { return Self.oauthError(.init("invalid_request", "code is required")) }
            result = state.exchange(code: code, redirectURI: value("redirect_uri"))
        case "refresh_token":
            guard let token = value("refresh_token") else {
                return Self.oauthError(.init("invalid_request", "refresh_token is required"))
            }
            result = state.refresh(token: token)
        default:
            return Self.oauthError(
                .init("unsupported_grant_type", "grant_type must be authorization_code or refresh_token"))
        }
        switch result {
        case .success(let pair):
            return Self.json([
                "access_token": .string(pair.access), "token_type": "Bearer",
                "expires_in": .number(String(CheckfrontSimulatorState.accessLifetime)),
                "refresh_token": .string(pair.refresh), "scope": .null,
            ])
        case .failure(let failure):
            return Self.oauthError(failure)
        }
    }

    /// How the client authenticated: `basic` (`key:secret` as is), `basic_rfc6749` (each part
    /// form-urlencoded first, RFC 6749 §2.3.1, when only that reading matches) or `post` (body
    /// parameters, no `Authorization` header); `nil` when it did not.
    static func clientAuthentication(
        _ authorization: String?, form: [(name: String, value: String)], state: CheckfrontSimulatorState
    ) -> String? {
        if let authorization {
            guard authorization.lowercased().hasPrefix("basic "),
                let decoded = Base64.decode(String(authorization.dropFirst(6)))
            else { return nil }
            let text = String(decoding: decoded, as: UTF8.self)
            guard let colon = text.firstIndex(of: ":") else { return nil }
            let (id, secret) = (String(text[..<colon]), String(text[text.index(after: colon)...]))
            if id == state.clientID, secret == state.clientSecret { return "basic" }
            let encoded =
                FormEncoding.decode(Substring(id)) == state.clientID
                && FormEncoding.decode(Substring(secret)) == state.clientSecret
            return encoded ? "basic_rfc6749" : nil
        }
        let id = form.first { $0.name == "client_id" }?.value
        let secret = form.first { $0.name == "client_secret" }?.value
        return id == state.clientID && secret == state.clientSecret ? "post" : nil
    }

    static func oauthError(_ failure: OAuthFailure) -> Response {
        Self.json(
            ["error": .string(failure.error), "error_description": .string(failure.description)], status: .badRequest)
    }

    static func redirect(_ location: String) -> Response {
        Response(
            status: .found, headers: [.location: location, .contentType: "text/plain"],
            body: .init(byteBuffer: ByteBuffer(string: "Redirecting\n")))
    }

    static func bytes(of request: Request) async throws -> [UInt8] {
        try await SimulatorHTTP.body(of: request)
    }

    static func json(_ value: Value, status: HTTPResponse.Status = .ok) -> Response {
        SimulatorHTTP.json(value, status: status.code)
    }
}
