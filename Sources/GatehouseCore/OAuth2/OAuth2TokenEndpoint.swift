import GatehouseCrypto
import HTTPTypes
import NIOCore

/// An OAuth2 token endpoint (RFC 6749 §3.2): the authorization-code exchange and the refresh,
/// with the client credentials (`client_id`, `client_secret` of the connection, usually
/// `vault:` references) sent here and nowhere else. Every token call a connection makes is
/// built by ``request(_:)``, the one place to add what such calls carry.
///
/// ```swift
/// let endpoint = OAuth2TokenEndpoint(url: origin + "/oauth/token", client: setup.client, credentials:
/// setup.credentials)
/// switch await endpoint.refresh(token: refreshToken) { case .granted(let grant): ... }
/// ```
public struct OAuth2TokenEndpoint: Sendable {
    /// How the client credentials reach the token endpoint (`client_auth`).
    public enum ClientAuthentication: String, Sendable, CaseIterable {
        /// `Basic base64(id:secret)` with the raw values (what most providers document).
        case basic
        /// RFC 6749 §2.3.1: each part form-urlencoded before `base64(id:secret)`.
        case basicRFC6749 = "basic_rfc6749"
        /// `client_id` and `client_secret` in the form body.
        case post
    }

    /// A new token pair. `refreshToken` is `nil` when a refresh answer kept the old one.
    public struct Grant: Sendable {
        public var accessToken: Secret
        public var refreshToken: Secret?
        public var expiresIn: Int64
    }

    /// What the token endpoint said, classified.
    public enum Outcome: Sendable {
        case granted(Grant)
        /// `invalid_grant` or any 400/401: the grant (or the code) is gone.
        case refused(kind: String, status: Int)
        /// 5xx, 429, network trouble, an unreadable answer: keep the tokens, try later.
        case unavailable(kind: String, status: Int?)
    }

    /// Longest access-token lifetime believed: one year.
    public static let maximumLifetime: Int64 = 365 * 86_400

    /// The token endpoint's URL.
    public let url: String
    /// Sends without any signer: the client credentials are added here, for ``url`` only.
    let client: UpstreamClient
    let credentials: Credentials
    /// How the client credentials are sent.
    public let clientAuthentication: ClientAuthentication
    /// The access-token lifetime assumed when an answer states none (`expires_in` is optional).
    public let defaultLifetime: Int64
    /// Whether every refresh answer must carry a new refresh token (providers that rotate them:
    /// the old one is dead once the answer is sent, so an answer without one is unusable).
    public let rotatesRefreshTokens: Bool

    /// Creates the endpoint; `client` is the connection's client (its guard and transport).
    public init(
        url: String,
        client: UpstreamClient,
        credentials: Credentials,
        clientAuthentication: ClientAuthentication = .basic,
        defaultLifetime: Int64 = 3_600,
        rotatesRefreshTokens: Bool = true
    ) {
        self.url = url
        self.client = client
        self.credentials = credentials
        self.clientAuthentication = clientAuthentication
        self.defaultLifetime = defaultLifetime
        self.rotatesRefreshTokens = rotatesRefreshTokens
    }

    /// The client id, for authorize URLs.
    public func clientID() throws -> String { try self.credentials.secret("client_id").reveal() }

    /// Exchanges an authorization code (`grant_type=authorization_code`).
    public func exchange(code: String, redirectURI: String) async -> Outcome {
        await self.post(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI)], refreshing: false)
    }

    /// Refreshes (`grant_type=refresh_token`).
    public func refresh(token: Secret) async -> Outcome {
        await self.post([("grant_type", "refresh_token"), ("refresh_token", token.reveal())], refreshing: true)
    }

    /// The `Authorization` value carrying the client credentials, or `nil` when they go in the body.
    public static func authorization(clientID id: String, secret: String, using method: ClientAuthentication) -> String?
    {
        switch method {
        case .basic: "Basic " + Base64.encode(Array("\(id):\(secret)".utf8))
        case .basicRFC6749:
            "Basic " + Base64.encode(Array((FormEncoding.encode(id) + ":" + FormEncoding.encode(secret)).utf8))
        case .post: nil
        }
    }

    /// The token call carrying `parameters` and the client credentials: the one place a token
    /// request is built.
    public func request(_ parameters: [(String, String)]) throws -> UpstreamRequest {
        var parameters = parameters
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .accept: "application/json"]
        let id = try self.credentials.secret("client_id").reveal()
        let secret = try self.credentials.secret("client_secret").reveal()
        if let authorization = Self.authorization(clientID: id, secret: secret, using: self.clientAuthentication) {
            headers[.authorization] = authorization
        } else {
            parameters += [("client_id", id), ("client_secret", secret)]
        }
        return UpstreamRequest(
            method: .post, url: self.url, headers: headers,
            body: .bytes(.init(bytes: Array(FormEncoding.body(parameters).utf8))), purpose: .credential)
    }

    private func post(_ parameters: [(String, String)], refreshing: Bool) async -> Outcome {
        let request: UpstreamRequest
        do {
            request = try self.request(parameters)
        } catch {
            return .unavailable(kind: "client_credentials_unavailable", status: nil)
        }
        let response: UpstreamResponse
        let body: [UInt8]
        do {
            (response, body) = try await self.client.sendCollecting(request)
        } catch let error as GatewayError {
            return .unavailable(kind: error.code.rawValue, status: nil)
        } catch {
            return .unavailable(kind: "network", status: nil)
        }
        return Self.outcome(
            response: response, body: body, defaultLifetime: self.defaultLifetime,
            requireRefreshToken: !refreshing || self.rotatesRefreshTokens)
    }

    /// The `expires_in` of a token answer: whole seconds in 1...``maximumLifetime``, as a JSON
    /// number or a string of digits; `defaultLifetime` when absent; `nil` for anything else.
    public static func lifetime(_ value: Value?, default defaultLifetime: Int64) -> Int64? {
        let text: String
        switch value {
        case nil, .null: return defaultLifetime
        case .number(let number): text = number
        case .string(let string): text = string
        default: return nil
        }
        guard let seconds = UnsignedDecimal.parse(text), (1...Int(Self.maximumLifetime)).contains(seconds) else {
            return nil
        }
        return Int64(seconds)
    }

    /// What one token endpoint answer means: a grant, a refusal or nothing usable.
    public static func outcome(
        response: UpstreamResponse, body: [UInt8], defaultLifetime: Int64, requireRefreshToken: Bool = true
    ) -> Outcome {
        let json = try? JSON.parse(body)
        switch response.status {
        case 200..<300:
            guard let access = json?["access_token"]?.stringValue, !access.isEmpty else {
                return .unavailable(kind: "malformed_token_answer", status: response.status)
            }
            let refresh = json?["refresh_token"]?.stringValue.flatMap { $0.isEmpty ? nil : Secret($0) }
            if requireRefreshToken, refresh == nil {
                return .unavailable(kind: "malformed_token_answer", status: response.status)
            }
            guard let expiresIn = Self.lifetime(json?["expires_in"], default: defaultLifetime) else {
                // A lifetime that is no number of seconds (Int64.max, -1, 1.5, "soon") is not
                // trusted: the answer is refused and the tokens held so far stay in use.
                return .unavailable(kind: "invalid_expires_in", status: response.status)
            }
            return .granted(Grant(accessToken: Secret(access), refreshToken: refresh, expiresIn: expiresIn))
        case 400, 401:
            return .refused(
                kind: Self.bounded(json?["error"]?.stringValue ?? "http_\(response.status)"), status: response.status)
        default:
            return .unavailable(kind: "http_\(response.status)", status: response.status)
        }
    }

    /// A bounded, metric-safe error class from an upstream string.
    public static func bounded(_ text: String) -> String {
        let kept = text.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) || $0 == "_" }
        let result = String(String.UnicodeScalarView(kept.prefix(40)))
        return result.isEmpty ? "error" : result
    }
}
