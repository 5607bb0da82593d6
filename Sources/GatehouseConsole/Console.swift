import Synchronization
import GatehouseCore
import GatehouseCrypto
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The operator console: server-rendered pages on the admin listener (Connections, Vault,
/// Audit, Clients) behind a login with the admin token.
///
/// The token is checked once, at login, in constant time; the browser then holds only a random
/// 256-bit session cookie (`HttpOnly`, `SameSite=Strict`, `Secure` over TLS, 8 hours) naming a
/// session kept here. Every form carries the session's CSRF token, compared in constant time.
/// Pages show metadata only: no secret value, key hash or token is ever rendered.
public struct Console: Sendable {
    /// What the console shows that the running gateway does not know by itself.
    public struct Configuration: Sendable {
        /// One configured client, as the Clients page lists it.
        public struct Client: Sendable {
            public var name: String
            /// `api_key` or `token via CONNECTION, client prefixes A, B`.
            public var authenticator: String
            public var connections: [String]

            /// Creates a client entry.
            public init(name: String, authenticator: String, connections: [String]) {
                self.name = name
                self.authenticator = authenticator
                self.connections = connections
            }
        }

        /// The configured clients.
        public var clients: [Client]
        /// Connection name → its upstream origin (`scheme://host:port`).
        public var origins: [String: String]
        /// Whether cookies are marked `Secure` (the admin listener serves TLS).
        public var secureCookies: Bool

        /// Creates a configuration.
        public init(clients: [Client] = [], origins: [String: String] = [:], secureCookies: Bool = false) {
            self.clients = clients
            self.origins = origins
            self.secureCookies = secureCookies
        }
    }

    /// What the console shows from the configuration file; a config reload replaces it (``update(configuration:)``).
    private let currentConfiguration: ConfigurationBox
    var configuration: Configuration { self.currentConfiguration.value.withLock { $0 } }
    /// The gateway serving now (a config reload swaps it).
    let live: LiveGateway
    var gateway: Gateway { self.live.current }
    let vault: Vault?
    let authenticator: AdminAuthenticator
    let traffic: RecentTraffic
    let sessions = ConsoleSessions()
    let templates: ConsoleTemplates
    let logger: Logger

    static let sessionCookie = "gatehouse_session"
    static let loginCookie = "gatehouse_login"
    /// Largest form body read.
    static let maxFormBytes = 256 * 1024

    /// Creates the console; throws when a built-in template does not parse.
    public init(
        configuration: Configuration,
        gateway: LiveGateway,
        vault: Vault?,
        authenticator: AdminAuthenticator,
        traffic: RecentTraffic,
        logger: Logger
    ) throws {
        self.currentConfiguration = ConfigurationBox(configuration)
        self.live = gateway
        self.vault = vault
        self.authenticator = authenticator
        self.traffic = traffic
        self.templates = try ConsoleTemplates()
        self.logger = logger
    }

    /// Shows `configuration`'s clients and origins from now on (after a config reload); the
    /// cookie flag follows the admin listener, which a reload does not change.
    public func update(configuration: Configuration) {
        self.currentConfiguration.value.withLock { current in
            current.clients = configuration.clients
            current.origins = configuration.origins
        }
    }

    /// Answers one request for a console path. Never throws: refusals are pages.
    public func respond(to request: Request, remoteAddress: String?) async -> Response {
        do {
            return try await self.route(request, remoteAddress: remoteAddress ?? "?")
        } catch let refusal as ConsoleRefusal {
            return self.refusalPage(refusal)
        } catch {
            // Only the type: messages of unknown errors could carry anything.
            self.logger.error("console error", metadata: ["type": .string("\(type(of: error))")])
            return self.refusalPage(
                ConsoleRefusal(
                    status: .internalServerError, heading: "Something went wrong",
                    text: "The console could not answer; see the gateway log."))
        }
    }

    private func route(_ request: Request, remoteAddress: String) async throws -> Response {
        let path = request.uri.path
        let method = request.method
        switch (method, path) {
        case (.get, "/assets/console.css"):
            return Self.asset(ConsoleTemplates.stylesheet, type: "text/css; charset=utf-8")
        case (.get, "/assets/console.js"):
            return Self.asset(ConsoleTemplates.script, type: "text/javascript; charset=utf-8")
        case (.post, "/login"): return try await self.login(request, remoteAddress: remoteAddress)
        default: break
        }
        guard Self.isPage(path) else {
            throw ConsoleRefusal(
                status: .notFound, heading: "Not found", text: "The console has no page at this address.", back: "/")
        }
        let cookies = Self.cookies(request)
        guard let cookie = cookies[Self.sessionCookie], let session = self.liveSession(cookie) else {
            if method == .get || method == .head {
                return path == "/" ? self.loginPage(request, cookies: cookies) : Self.redirect(to: "/")
            }
            throw ConsoleRefusal(
                status: .forbidden, heading: "Signed out",
                text: "Your session has ended. Sign in again; nothing was changed.", back: "/")
        }
        var signedIn = SignedIn(cookie: cookie, session: session, remoteAddress: remoteAddress)
        if method == .post {
            let form = try await Self.form(request)
            guard let given = form["csrf"], ConstantTime.equals(Array(given.utf8), Array(session.csrf.utf8)) else {
                self.logger.warning(
                    "console form refused: missing or wrong CSRF token",
                    metadata: ["remote": .string(remoteAddress), "path": .string(String(path.prefix(80)))])
                throw ConsoleRefusal(
                    status: .forbidden, heading: "Form refused",
                    text:
                        """
                        This form did not carry this session's CSRF token, so nothing was changed. Reload the page \
                        and try again.
                        """
                )
            }
            signedIn.form = form
        }
        return try await self.signedIn(request, path: path, as: signedIn)
    }

    /// Whether `path` is one of the console's pages (anything else is 404, signed in or not).
    static func isPage(_ path: String) -> Bool {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        switch segments.first {
        case "": return segments.count == 1
        case "logout", "audit", "clients": return segments.count == 1
        case "vault": return segments.count == 1 || (segments.count == 2 && ["put", "delete"].contains(segments[1]))
        case "connections":
            return segments.count == 1 || (segments.count >= 4 && segments[2] == "actions" && !segments.contains(""))
        default: return false
        }
    }

    /// The session behind `cookie`, while the admin token it was opened with is still the token.
    private func liveSession(_ cookie: String) -> ConsoleSession? {
        guard cookie.utf8.count == 43, let session = self.sessions.session(cookie) else { return nil }
        do {
            try self.authenticator.verify(digest: session.tokenDigest)
        } catch {
            self.sessions.close(cookie)
            return nil
        }
        return session
    }

    private func signedIn(_ request: Request, path: String, as user: SignedIn) async throws -> Response {
        let segments = path.split(separator: "/").map(String.init)
        switch (request.method, segments.first ?? "") {
        case (.get, ""), (.head, ""): return Self.redirect(to: "/connections")
        case (.post, "logout") where segments.count == 1:
            self.sessions.close(user.cookie)
            var response = Self.redirect(to: "/")
            response.headers.append(HTTPField(name: .setCookie, value: self.expiredCookie(Self.sessionCookie)))
            return response
        case (.get, "connections") where segments.count == 1: return self.connectionsPage(user)
        case (_, "connections") where segments.count >= 4 && segments[2] == "actions":
            return try await self.connectionAction(
                request, connection: segments[1], action: segments.dropFirst(3).joined(separator: "/"), as: user)
        case (.get, "vault") where segments.count == 1: return try await self.vaultPage(user)
        case (.post, "vault") where segments == ["vault", "put"]: return try await self.putSecret(user)
        case (_, "vault") where segments == ["vault", "delete"]: return try await self.deleteSecret(request, as: user)
        case (.get, "audit") where segments.count == 1: return try await self.auditPage(request, as: user)
        case (.get, "clients") where segments.count == 1: return self.clientsPage(user)
        default:
            throw ConsoleRefusal(
                status: .notFound, heading: "Not found", text: "The console has no page at this address.",
                back: "/connections")
        }
    }

    /// Renders `page` inside the layout, with the session's CSRF token and flash message.
    func page(
        _ page: String, title: String, _ context: [String: Any], as user: SignedIn?, status: HTTPResponse.Status = .ok,
        flash: ConsoleFlash? = nil
    ) -> Response {
        var context = context
        context["title"] = title
        if let user {
            context["signedIn"] = true
            context["csrf"] = user.session.csrf
            context["on" + title.prefix(1).uppercased() + title.dropFirst()] = true
        }
        if let flash = flash ?? user.flatMap({ self.sessions.takeFlash($0.cookie) }) {
            context["flash"] = ["kind": flash.ok ? "ok" : "error", "text": flash.text]
        }
        return Self.html(self.templates.render(page, context), status: status)
    }

    private func refusalPage(_ refusal: ConsoleRefusal) -> Response {
        self.page(
            "message", title: refusal.heading,
            [
                "heading": refusal.heading, "text": refusal.text, "back": refusal.back,
                "backLabel": refusal.back == "/" ? "Sign in" : "Back",
            ],
            as: nil, status: refusal.status)
    }

    /// Leaves a message for the next page and sends the browser there (post/redirect/get).
    func done(_ user: SignedIn, ok: Bool, _ text: String, then location: String) -> Response {
        self.sessions.flash(user.cookie, ConsoleFlash(ok: ok, text: text))
        return Self.redirect(to: location)
    }
}

/// The console's configuration, shared by its copies and replaced on reload.
final class ConfigurationBox: Sendable {
    let value: Mutex<Console.Configuration>
    init(_ configuration: Console.Configuration) { self.value = Mutex(configuration) }
}
