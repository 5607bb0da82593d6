import GatehouseCore

/// The validator URL for one client prefix: `{base}/api/tokenvalidator?token=..&{parameter}=..&clientPrefix=..`,
/// every value percent-encoded (RFC 3986, so `+`, `&`, `=`, `%` and spaces in a token arrive
/// exactly as they were). ``redacted`` is the form that may be logged.
struct ValidatorURL: Sendable {
    /// The path below `base_url`, as the seed gives it.
    static let path = "/api/tokenvalidator"

    /// Everything up to the token's value (`...?token=`; a query of `base_url` comes first).
    private let head: String
    /// Everything after it (`&applicaiontPrefix=..&clientPrefix=..`).
    private let tail: String

    init(client: UpstreamClient, applicationPrefixParameter: String, applicationPrefix: String, clientPrefix: String) {
        // The seed's order: token, application prefix, client prefix.
        self.head = client.url(path: Self.path, query: "token=")
        self.tail =
            "&" + applicationPrefixParameter + "=" + PercentEncoding.encode(applicationPrefix) + "&clientPrefix="
            + PercentEncoding.encode(clientPrefix)
    }

    /// The URL to send, carrying `token`.
    func string(token: Secret) -> String {
        self.head + PercentEncoding.encode(token.reveal()) + self.tail
    }

    /// The URL with the token replaced by `<redacted>`: the only form that is logged.
    var redacted: String { self.head + "<redacted>" + self.tail }
}
