import GatehouseCore

/// The validator URL for one client prefix: `{base}/api/tokenvalidator?token=..&{parameter}=..&clientPrefix=..`,
/// every value percent-encoded. ``redacted`` is the form that may be logged.
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
        self.tail = "&" + applicationPrefixParameter + "=" + Self.encode(applicationPrefix) + "&clientPrefix=" + Self.encode(clientPrefix)
    }

    /// The URL to send, carrying `token`.
    func string(token: Secret) -> String {
        self.head + Self.encode(token.reveal()) + self.tail
    }

    /// The URL with the token replaced by `<redacted>`: the only form that is logged.
    var redacted: String { self.head + "<redacted>" + self.tail }

    /// Percent-encodes everything but RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`), so
    /// `+`, `&`, `=`, `%` and spaces in a token arrive exactly as they were.
    static func encode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
