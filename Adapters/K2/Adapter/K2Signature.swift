import GatehouseCore
import GatehouseCrypto

/// K2's URL signatures (seed 003; Adapters/K2/README.md, "Signing"): HMAC-MD5 under the password over the
/// upper-cased full URL, base64-encoded. Percent-coding is the core's ``PercentEncoding``; the
/// upper case is .NET's (``uppercase(_:)``), as K2 computes it.
///
/// ```swift
/// let hash = K2Signature.hash(url: "https://k2.example.cz/SWSORI/Data/Customer?fields=Id%2CName&pageSize=250",
/// password: "secret")
/// // "B/NxxHvlPlQlHEBY54mUKQ=="
/// ```
public enum K2Signature {
    /// Header mode: `base64(HMAC-MD5(password, uppercase(percentDecode(url))))`.
    public static func hash(url: String, password: String) -> String {
        Self.mac(Self.uppercase(PercentEncoding.decode(url)), password: password)
    }

    /// The `Authorization` value of header mode: `{username}:{hash}`, no scheme word.
    public static func authorization(url: String, username: String, password: String) -> String {
        username + ":" + Self.hash(url: url, password: password)
    }

    /// x-auth mode: `url` + `?x-auth=` / `&x-auth=` + `urlencode(username:hash)`, the hash taken
    /// over the upper-cased text up to `x-auth=` (percent-decoded first when `decode`).
    public static func xAuthURL(url: String, username: String, password: String, decode: Bool = false) -> String {
        let text = url + (url.contains("?") ? "&x-auth=" : "?x-auth=")
        let message = Self.uppercase(decode ? PercentEncoding.decode(text) : text)
        return text + PercentEncoding.encode(username + ":" + Self.mac(message, password: password))
    }

    static func mac(_ message: String, password: String) -> String {
        Base64.encode(HMAC.authenticationCode(.md5, key: Array(password.utf8), message: Array(message.utf8)))
    }

    /// Upper case one character to one, as .NET's invariant upper case does: a character whose
    /// upper case is longer (`ß` → `SS`) stays as it is.
    public static func uppercase(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                out.append(scalar.value >= 97 && scalar.value <= 122 ? Unicode.Scalar(scalar.value - 32)! : scalar)
                continue
            }
            let mapped = scalar.properties.uppercaseMapping.unicodeScalars
            out.append(mapped.count == 1 ? mapped.first! : scalar)
        }
        return String(out)
    }

    /// `;` `*` `@` `!` `^`: kept readable in K2 query values (conditions use them).
    static let readableInQueries = Set(";*@!^".utf8)

    /// A query value as Gatehouse sends it: spaces as `%20`, `;` `*` `@` `!` `^` kept readable.
    public static func queryValue(_ text: String) -> String {
        PercentEncoding.encode(text, keeping: Self.readableInQueries)
    }
}
