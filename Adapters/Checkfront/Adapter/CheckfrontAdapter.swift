import GatehouseCore
import GatehouseCrypto
import HTTPTypes
import Logging
import NIOCore

/// Checkfront API 3.0 (seed 002): token pairs (`Basic base64(api_key:api_secret)`) or OAuth2
/// authorization code with refresh-token rotation, the Checkfront envelope translated into the
/// uniform one, and form-encoded request bodies.
///
/// Credentials go only where they belong: the API credential (token pair or Bearer access
/// token, header only) to `{base}/api/` on `base_url`'s origin; the consumer key and secret only
/// to `{base}/oauth/token/`. The OAuth2 grant is the core's ``OAuth2Grant``; only Checkfront's
/// endpoints and lifetimes are here (``CheckfrontOAuth``).
public struct CheckfrontAdapter: Adapter, ConnectionEndpoints, ConnectionMaintenance {
    /// The registration used by the executable's built-in list.
    public static let kind = AdapterKind(name: "checkfront") { setup in try CheckfrontAdapter(setup: setup) }

    /// The validated options.
    public let configuration: Configuration
    let client: UpstreamClient
    let credentials: Credentials
    let connection: String
    /// The OAuth2 grant (`auth: oauth2`), `nil` for token pairs.
    let grant: OAuth2Grant?
    /// Sends API calls with the grant's access token, renewing once and retrying once on 401.
    let authorizer: RequestAuthorizer?

    /// Builds the adapter for one connection, validating its options.
    public init(setup: AdapterSetup, now: @escaping @Sendable () -> Timestamp = { Timestamp.now() }) throws {
        var options = try setup.options()
        let configuration = try Configuration(options: &options)
        try options.finish()
        if setup.connection.followRedirects {
            throw setup.connection.node.error(
                """
                follow_redirects: true is not allowed for adapter checkfront: a moved account means updating \
                base_url, never sending credentials elsewhere
                """
            )
        }
        self.configuration = configuration
        self.client = setup.client
        self.credentials = setup.credentials
        self.connection = setup.connection.name
        switch configuration.auth {
        case .tokenPair:
            try setup.requireCredentials(["api_key", "api_secret"])
            self.grant = nil
            self.authorizer = nil
        case .oauth2:
            try setup.requireCredentials(["client_id", "client_secret"])
            try setup.requireVault(because: "auth: oauth2 (the tokens it obtains live in the vault)")
            guard let redirectURI = configuration.redirectURI else {
                throw setup.connection.node.error(
                    """
                    options.redirect_uri is required with auth: oauth2 \
                    (http://HOST/oauth/\(setup.connection.name)/callback)
                    """
                )
            }
            let grant = CheckfrontOAuth.grant(
                setup: setup, configuration: configuration, redirectURI: redirectURI, now: now)
            self.grant = grant
            self.authorizer = grant.authorizer(client: setup.client)
        }
    }

    // MARK: Proxy and operations

    public func proxy(_ call: ProxyCall) async throws -> UpstreamResponse {
        let request = UpstreamRequest(
            method: call.method, url: self.client.url(path: call.path, query: call.query), headers: call.headers,
            body: call.body)
        return try await self.send(request, apiCall: call.path.hasPrefix("/api/"))
    }

    /// Sends one operation's Checkfront API call and translates the answer.
    func perform(_ operation: CheckfrontOperation) async throws -> Envelope {
        var headers: HTTPFields = [.accept: "application/json"]
        var body = UpstreamBody.empty
        if let form = operation.form {
            headers[.contentType] = "application/x-www-form-urlencoded"
            body = .bytes(ByteBuffer(bytes: Array(form.utf8)))
        }
        let request = UpstreamRequest(
            method: operation.method,
            url: self.client.url(path: "/api/3.0/" + operation.path, query: operation.query),
            headers: headers,
            body: body
        )
        let response = try await self.send(request, apiCall: true)
        let bytes: [UInt8]
        do {
            var buffer = try await response.collectBody(upTo: self.client.maxResponseBytes)
            bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch let error as TransportError {
            throw GatewayError(error, connection: self.connection)
        }
        return try CheckfrontEnvelope.translate(
            status: response.status, body: bytes, resource: operation.resource, list: operation.list,
            connection: self.connection)
    }

    /// Sends one request with the connection's API credential (API paths only), answering a
    /// redirect off `base_url`'s origin with an error. With OAuth2 a 401 on a token believed fresh
    /// gets one refresh and one retry (the core's ``RequestAuthorizer``).
    func send(_ request: UpstreamRequest, apiCall: Bool) async throws -> UpstreamResponse {
        let response: UpstreamResponse
        if !apiCall {
            response = try await self.client.send(request)
        } else if let authorizer {
            response = try await authorizer.send(request)
        } else {
            let key = try self.credentials.secret("api_key").reveal()
            let secret = try self.credentials.secret("api_secret").reveal()
            var signed = request
            signed.headers[.authorization] = "Basic " + Base64.encode(Array("\(key):\(secret)".utf8))
            response = try await self.client.send(signed)
        }
        try self.refuseForeignRedirect(response)
        return response
    }

    private func refuseForeignRedirect(_ response: UpstreamResponse) throws {
        guard [301, 302, 307, 308].contains(response.status), let location = response.headers[.location] else { return }
        let target = BaseURL(location)
        guard let target, !target.sameOrigin(as: self.client.baseURL) else { return }
        response.body.cancel()
        throw GatewayError(
            .upstreamError,
            """
            Checkfront answered \(response.status) to \(target.scheme)://\(target.host): the account moved; update \
            base_url of connection \(self.connection) (credentials are not sent to another host)
            """,
            connection: self.connection,
            upstreamStatus: response.status,
            upstreamKind: "moved"
        )
    }

    // MARK: Endpoints and maintenance

    public var adminEndpoints: Set<String> { ["start"] }

    public func endpoint(_ request: EndpointRequest) async throws -> EndpointResponse {
        guard let grant else {
            throw GatewayError(
                .notFound, "connection \(self.connection) uses token pairs; there is nothing to authorize",
                connection: self.connection)
        }
        switch request.name {
        case "start": return .redirect(to: try grant.authorizeURL())
        case "callback": return try await grant.callback(request)
        default:
            throw GatewayError(
                .notFound, "no endpoint /oauth/\(self.connection)/\(request.name.prefix(40))",
                connection: self.connection)
        }
    }

    public func adminAction(_ action: String, arguments: Value) async throws -> Value {
        guard action == "authorize", let grant else {
            throw GatewayError(
                .notFound, "no admin action \"\(action.prefix(40))\" (known: authorize, for auth: oauth2)",
                connection: self.connection)
        }
        return ["authorize_url": .string(try grant.authorizeURL())]
    }

    /// OAuth2 connections offer "Authorize" (also in the console); token pairs have nothing to do.
    public var adminActions: [ConnectionAction] {
        guard self.grant != nil else { return [] }
        return [
            ConnectionAction(
                name: "authorize", title: "Authorize",
                confirmation:
                    """
                    Open Checkfront's consent page to grant this connection access? The current grant stays in use \
                    until the new one arrives.
                    """,
                opensAuthorizationPage: true)
        ]
    }

    public func maintain() async {
        await self.grant?.maintain()
    }
}
