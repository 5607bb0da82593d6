/// `application/x-www-form-urlencoded` encoding and decoding (WHATWG URL standard) over
/// ``PercentEncoding``: for OAuth token requests, form-encoded upstream bodies and query strings.
public enum FormEncoding {
    /// Percent-encodes `text` as a form component: unreserved bytes (`A-Z a-z 0-9 - . _ ~`) stay,
    /// a space becomes `+` when `spaceAsPlus`, everything else `%XX`.
    public static func encode(_ text: String, spaceAsPlus: Bool = true) -> String {
        PercentEncoding.encode(text, spaceAsPlus: spaceAsPlus)
    }

    /// `name=value&...`, each part encoded.
    public static func body(_ pairs: [(String, String)]) -> String {
        pairs.map { Self.encode($0.0) + "=" + Self.encode($0.1) }.joined(separator: "&")
    }

    /// Decodes one form component (`+` is a space, `%XX` a byte).
    public static func decode(_ text: Substring) -> String {
        PercentEncoding.decode(text, plusAsSpace: true)
    }

    /// Splits and decodes a form body or query.
    public static func pairs(_ text: String) -> [(name: String, value: String)] {
        text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (Self.decode(parts[0]), parts.count > 1 ? Self.decode(parts[1]) : "")
        }
    }

    /// Escapes text for HTML.
    public static func html(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
