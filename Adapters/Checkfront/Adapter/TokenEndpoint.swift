import GatehouseCore
import GatehouseCrypto
import HTTPTypes

/// Checkfront's OAuth2 endpoints: the authorize URL (`{base}/oauth/`) and the token endpoint
/// (`{base}/oauth/token/`, trailing slash), the only place the consumer key and secret are sent.
package struct TokenEndpoint: Sendable {
    /// A new token pair.
    package struct Grant: Sendable {
        package var accessToken: Secret
        package var refreshToken: Secret
        package var expiresIn: Int64
    }

    /// What the token endpoint said, classified.
    package enum Outcome: Sendable {
        case granted(Grant)
        /// `invalid_grant` or any 400/401: the grant is gone.
        case refused(kind: String, status: Int)
        /// 5xx, 429, network trouble, an unreadable answer: keep the tokens, try later.
        case unavailable(kind: String, status: Int?)
    }

    /// Sends without any signer: the client credentials are added here, for this URL only.
    let client: UpstreamClient
    let credentials: Credentials
    let redirectURI: String
    let clientAuth: CheckfrontAdapter.Configuration.ClientAuth

    var origin: String {
        var prefix = self.client.baseURL.prefix
        while prefix.hasSuffix("/") { prefix.removeLast() }
        return prefix
    }

    func authorizeURL(state: String) throws -> String {
        let clientID = try self.credentials.secret("client_id").reveal()
        return self.origin + "/oauth/?" + FormEncoding.body([
            ("client_id", clientID), ("response_type", "code"), ("redirect_uri", self.redirectURI), ("state", state),
        ])
    }

    func exchange(code: String) async -> Outcome {
        await self.post([("grant_type", "authorization_code"), ("code", code), ("redirect_uri", self.redirectURI)])
    }

    func refresh(token: Secret) async -> Outcome {
        await self.post([("grant_type", "refresh_token"), ("refresh_token", token.reveal())])
    }

    /// The `Authorization` value carrying the client credentials, or `nil` when they go in the
    /// body (`post`). `basic_rfc6749` form-urlencodes each part first (RFC 6749 §2.3.1).
    static func authorization(clientID id: String, secret: String, clientAuth: CheckfrontAdapter.Configuration.ClientAuth) -> String? {
        switch clientAuth {
        case .basic: "Basic " + Base64.encode(Array("\(id):\(secret)".utf8))
        case .basicRFC6749: "Basic " + Base64.encode(Array((FormEncoding.encode(id) + ":" + FormEncoding.encode(secret)).utf8))
        case .post: nil
        }
    }

    /// Longest access-token lifetime believed: one year.
    static let maximumLifetime: Int64 = 365 * 86_400
    /// Checkfront's access-token lifetime, assumed when the answer states none.
    static let defaultLifetime: Int64 = 14_000

    /// The `expires_in` of a token answer: whole seconds in 1...``maximumLifetime``, as a JSON
    /// number or a string of digits; the default when absent; `nil` for anything else.
    static func lifetime(_ value: Value?) -> Int64? {
        let text: String
        switch value {
        case nil, .null: return Self.defaultLifetime
        case .number(let number): text = number
        case .string(let string): text = string
        default: return nil
        }
        guard let seconds = UnsignedDecimal.parse(text), (1...Int(Self.maximumLifetime)).contains(seconds) else { return nil }
        return Int64(seconds)
    }

    private func post(_ parameters: [(String, String)]) async -> Outcome {
        var parameters = parameters
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .accept: "application/json"]
        do {
            let id = try self.credentials.secret("client_id").reveal()
            let secret = try self.credentials.secret("client_secret").reveal()
            if let authorization = Self.authorization(clientID: id, secret: secret, clientAuth: self.clientAuth) {
                headers[.authorization] = authorization
            } else {
                parameters += [("client_id", id), ("client_secret", secret)]
            }
        } catch {
            return .unavailable(kind: "client_credentials_unavailable", status: nil)
        }
        let request = UpstreamRequest(
            method: .post,
            url: self.origin + "/oauth/token/",
            headers: headers,
            body: .bytes(.init(bytes: Array(FormEncoding.body(parameters).utf8))),
            purpose: .credential
        )
        let response: UpstreamResponse
        let body: [UInt8]
        do {
            (response, body) = try await self.client.sendCollecting(request)
        } catch let error as GatewayError {
            return .unavailable(kind: error.code.rawValue, status: nil)
        } catch {
            return .unavailable(kind: "network", status: nil)
        }
        return Self.outcome(response: response, body: body)
    }

    /// What one token endpoint answer means: a grant, a refusal or nothing usable.
    package static func outcome(response: UpstreamResponse, body: [UInt8]) -> Outcome {
        let json = try? JSON.parse(body)
        switch response.status {
        case 200..<300:
            guard let access = json?["access_token"]?.stringValue, !access.isEmpty,
                let refresh = json?["refresh_token"]?.stringValue, !refresh.isEmpty
            else { return .unavailable(kind: "malformed_token_answer", status: response.status) }
            guard let expiresIn = Self.lifetime(json?["expires_in"]) else {
                // A lifetime that is no number of seconds (Int64.max, -1, 1.5, "soon") is not
                // trusted: the answer is refused and the tokens held so far stay in use.
                return .unavailable(kind: "invalid_expires_in", status: response.status)
            }
            return .granted(Grant(accessToken: Secret(access), refreshToken: Secret(refresh), expiresIn: expiresIn))
        case 400, 401:
            return .refused(kind: OAuthSession.bounded(json?["error"]?.stringValue ?? "http_\(response.status)"), status: response.status)
        default:
            return .unavailable(kind: "http_\(response.status)", status: response.status)
        }
    }
}
