import HTTPTypes

/// Routes an adapter serves outside `/proxy` and `/v1`, dispatched by connection name:
/// `GET /oauth/{connection}/{name}` (browser redirects, OAuth callbacks),
/// `POST /hooks/{connection}/{name...}` (web hooks an upstream calls, e.g. Keyfax key delivery) and
/// `POST /admin/v1/connections/{connection}/{action...}` (operator actions). An adapter opts in
/// by conforming; the core never knows which adapter it is.
///
/// The server checks the admin token before dispatching an admin action, and before an inbound
/// endpoint listed in ``adminEndpoints``; everything else on `/oauth/` is unauthenticated, so
/// the adapter checks what it needs itself (e.g. an OAuth `state`).
///
/// ```swift
/// extension MyAdapter: ConnectionEndpoints {
///     var adminEndpoints: Set<String> { ["start"] }
///     func endpoint(_ request: EndpointRequest) async throws -> EndpointResponse {
///         request.name == "start" ? .redirect(to: try await self.authorizeURL()) : try await self.callback(request)
///     }
/// }
/// ```
public protocol ConnectionEndpoints: Sendable {
    /// Endpoint names under `/oauth/{connection}/` that need the admin token.
    var adminEndpoints: Set<String> { get }

    /// Answers `GET /oauth/{connection}/{name}`; throws ``GatewayError`` for refusals.
    func endpoint(_ request: EndpointRequest) async throws -> EndpointResponse

    /// Answers `POST /hooks/{connection}/{name...}`: unauthenticated at the gateway, so the
    /// adapter checks the hook's secret itself, in constant time.
    func hook(_ request: EndpointRequest) async throws -> EndpointResponse

    /// Performs one of ``adminActions`` (`POST /admin/v1/connections/{connection}/{action}` with
    /// the admin token already checked, `gatehouse connections action`, a console button).
    func adminAction(_ action: String, arguments: Value) async throws -> Value

    /// The admin actions this connection offers, in order.
    var adminActions: [ConnectionAction] { get }
}

extension ConnectionEndpoints {
    public var adminEndpoints: Set<String> { [] }

    public func endpoint(_ request: EndpointRequest) async throws -> EndpointResponse {
        throw GatewayError(.notFound, "no endpoint \"\(request.name)\"")
    }

    public func hook(_ request: EndpointRequest) async throws -> EndpointResponse {
        throw GatewayError(.notFound, "no web hook here")
    }

    public func adminAction(_ action: String, arguments: Value) async throws -> Value {
        throw GatewayError(.notFound, "no admin action \"\(action)\"")
    }

    public var adminActions: [ConnectionAction] { [] }

    /// The admin actions the operator console offers as buttons (those without input).
    public var consoleActions: [ConnectionAction] { self.adminActions.filter(\.inConsole) }
}

/// One inbound request to an adapter endpoint.
public struct EndpointRequest: Sendable {
    /// The path below `/oauth/{connection}/` (e.g. `callback`).
    public var name: String
    /// The decoded query parameters, in order.
    public var query: [(name: String, value: String)]
    /// Request headers (web hooks may carry their secret in one).
    public var headers: HTTPFields
    /// The request body (web hooks; empty for `GET`).
    public var body: [UInt8]

    /// Creates a request.
    public init(name: String, query: [(name: String, value: String)], headers: HTTPFields = [:], body: [UInt8] = []) {
        self.name = name
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The first value of parameter `name`.
    public func parameter(_ name: String) -> String? { self.query.first { $0.name == name }?.value }

    /// How many times parameter `name` occurs.
    public func count(_ name: String) -> Int { self.query.count { $0.name == name } }

    /// Decodes a raw query (`+` is a space, `%XX` a byte).
    public static func decode(query: String?) -> [(name: String, value: String)] {
        guard let query, !query.isEmpty else { return [] }
        return FormEncoding.pairs(query)
    }
}

/// The answer of an adapter endpoint.
public struct EndpointResponse: Sendable {
    /// HTTP status.
    public var status: Int
    /// `Content-Type` of ``body``.
    public var contentType: String
    /// The body.
    public var body: [UInt8]
    /// `Location`, for redirects.
    public var location: String?

    /// Creates a response.
    public init(status: Int, contentType: String, body: [UInt8], location: String? = nil) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.location = location
    }

    /// A `302 Found` to `url`.
    public static func redirect(to url: String) -> EndpointResponse {
        EndpointResponse(
            status: 302, contentType: "text/plain; charset=utf-8", body: Array("Redirecting to \(url)\n".utf8),
            location: url)
    }

    /// A small HTML page.
    public static func page(status: Int = 200, title: String, message: String) -> EndpointResponse {
        let html =
            """
            <!doctype html><html><head><title>\(FormEncoding.html(title))</title></head><body><h1>\
            \(FormEncoding.html(title))</h1><p>\(FormEncoding.html(message))</p></body></html>\n
            """
        return EndpointResponse(status: status, contentType: "text/html; charset=utf-8", body: Array(html.utf8))
    }
}
