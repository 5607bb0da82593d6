import GatehouseCore

extension CheckfrontAdapter {
    /// The `options:` of a checkfront connection.
    public struct Configuration: Sendable, Equatable {
        /// How Gatehouse authenticates to Checkfront (`auth`).
        public enum Auth: String, Sendable {
            /// Static API key and secret as HTTP Basic (credentials `api_key`, `api_secret`).
            case tokenPair = "token_pair"
            /// OAuth2 authorization code (credentials `client_id`, `client_secret`; tokens in the vault).
            case oauth2
        }

        /// How the client credentials go to `/oauth/token/` (`client_auth`): `basic` (exactly as
        /// the Checkfront docs show it), `basic_rfc6749` or `post`.
        public typealias ClientAuth = OAuth2TokenEndpoint.ClientAuthentication

        /// `auth` (default `token_pair`).
        public var auth: Auth = .tokenPair
        /// `redirect_uri`: this gateway's `/oauth/{connection}/callback` as the browser reaches it (oauth2).
        public var redirectURI: String?
        /// `client_auth` (default `basic`).
        public var clientAuth: ClientAuth = .basic
        /// `require_state` (default true): refuse callbacks without a valid `state`.
        public var requireState = true
        /// `refresh_margin_seconds` (default 300): refresh this long before the access token expires.
        public var refreshMarginSeconds: Int64 = 300
        /// `refresh_after_days` (default 7): refresh an idle connection whose refresh token is this old.
        public var refreshAfterDays: Int64 = 7
        /// `warn_before_days` (default 3): warn this long before the refresh token lapses.
        public var warnBeforeDays: Int64 = 3

        /// The defaults (token pair).
        public init() {}

        init(options: inout ConfigMap) throws(ConfigError) {
            if let auth = try options.choice("auth", in: ["token_pair", "oauth2"]) {
                self.auth = Auth(rawValue: auth)!
            }
            if let uri = try options.string("redirect_uri") {
                guard BaseURL(uri) != nil, uri.hasSuffix("/callback") else {
                    throw options.node("redirect_uri")!.error(
                        "expected this gateway's http(s)://HOST/oauth/{connection}/callback URL")
                }
                self.redirectURI = uri
            }
            if let mode = try options.choice("client_auth", in: ["basic", "basic_rfc6749", "post"]) {
                self.clientAuth = ClientAuth(rawValue: mode)!
            }
            if let flag = try options.bool("require_state") { self.requireState = flag }
            if let seconds = try options.int("refresh_margin_seconds", in: 0...13_000) {
                self.refreshMarginSeconds = Int64(seconds)
            }
            if let days = try options.int("refresh_after_days", in: 1...13) { self.refreshAfterDays = Int64(days) }
            if let days = try options.int("warn_before_days", in: 1...13) { self.warnBeforeDays = Int64(days) }
        }
    }
}
