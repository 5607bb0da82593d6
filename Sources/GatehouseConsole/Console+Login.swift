import GatehouseCore
import GatehouseCrypto
import HTTPTypes
import Hummingbird

extension Console {
    /// The sign-in form. Its CSRF token is a random value the browser also holds in an
    /// `HttpOnly`, `SameSite=Strict` cookie (double submit): a form posted from elsewhere lacks one.
    func loginPage(
        _ request: Request, cookies: [String: String], status: HTTPResponse.Status = .ok, refused: Bool = false
    ) -> Response {
        let existing = cookies[Self.loginCookie].flatMap { $0.utf8.count == 43 ? $0 : nil }
        let token = existing ?? ConsoleSessions.token()
        let flash = refused ? ConsoleFlash(ok: false, text: "The admin token was not accepted.") : nil
        var response = self.page("login", title: "Sign in", ["loginCSRF": token], as: nil, status: status, flash: flash)
        if existing == nil {
            response.headers.append(
                HTTPField(name: .setCookie, value: self.cookie(Self.loginCookie, token, maxAge: nil)))
        }
        return response
    }

    /// `POST /login`: the admin token, checked in constant time. Every wrong token gets the same
    /// page and status; the log line names the caller's address, never what was typed.
    func login(_ request: Request, remoteAddress: String) async throws -> Response {
        let cookies = Self.cookies(request)
        let form = try await Self.form(request)
        guard let expected = cookies[Self.loginCookie], expected.utf8.count == 43, let given = form["csrf"],
            ConstantTime.equals(Array(given.utf8), Array(expected.utf8))
        else {
            self.logger.warning(
                "console sign-in refused: missing or wrong CSRF token", metadata: ["remote": .string(remoteAddress)])
            throw ConsoleRefusal(
                status: .forbidden, heading: "Form refused",
                text: "The sign-in form did not carry its CSRF token. Reload the page and try again.", back: "/")
        }
        let token = form["token"] ?? ""
        do {
            try self.authenticator.verify(token: token)
        } catch let error as GatewayError where error.code == .unavailable {
            self.logger.error(
                "console sign-in impossible: the admin token cannot be read",
                metadata: ["remote": .string(remoteAddress)])
            throw ConsoleRefusal(
                status: .serviceUnavailable, heading: "Sign-in unavailable",
                text: "The gateway cannot read its admin token; see the gateway log.", back: "/")
        } catch {
            self.logger.warning(
                "console sign-in refused: wrong admin token", metadata: ["remote": .string(remoteAddress)])
            return self.loginPage(request, cookies: cookies, status: .unauthorized, refused: true)
        }
        let session = self.sessions.open(tokenDigest: Digest.sha256(Array(token.utf8)))
        self.logger.notice("console sign-in", metadata: ["remote": .string(remoteAddress)])
        var response = Self.redirect(to: "/connections")
        response.headers.append(
            HTTPField(
                name: .setCookie,
                value: self.cookie(
                    Self.sessionCookie, session, maxAge: Int(ConsoleSessions.lifetime.components.seconds))))
        response.headers.append(HTTPField(name: .setCookie, value: self.expiredCookie(Self.loginCookie)))
        return response
    }
}
