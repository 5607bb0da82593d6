extension OAuth2Grant {
    /// What differs between OAuth2 providers (everything else is RFC 6749 and the same for all).
    public struct Configuration: Sendable {
        /// The provider's name, in messages and logs (`"Checkfront"`).
        public var provider: String
        /// The authorize endpoint; `client_id`, `response_type=code`, `redirect_uri` and `state`
        /// are added as its query.
        public var authorizeURL: String
        /// This gateway's `/oauth/{connection}/callback` as the browser reaches it.
        public var redirectURI: String
        /// Refuse callbacks without a valid `state` (`require_state`, default true).
        public var requireState = true
        /// Refresh this long before the access token expires (`refresh_margin_seconds`).
        public var refreshMarginSeconds: Int64 = 300
        /// How long a refresh token lives, when the provider documents it (token answers do not
        /// say): its expiry in the vault, the age-based renewal and the lapse warning rest on it.
        public var refreshLifetimeSeconds: Int64?
        /// Renew an idle grant whose refresh token is this old (`refresh_after_days`).
        public var refreshAfterDays: Int64 = 7
        /// Warn this long before the refresh token lapses (`warn_before_days`).
        public var warnBeforeDays: Int64 = 3

        /// A configuration for `provider`, with the defaults above.
        public init(provider: String, authorizeURL: String, redirectURI: String) {
            self.provider = provider
            self.authorizeURL = authorizeURL
            self.redirectURI = redirectURI
        }
    }
}
