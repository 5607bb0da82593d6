import GatehouseCrypto

/// K2's URL signatures (seed 003, protocols.md §2): HMAC-MD5 under the password over the
/// upper-cased full URL, base64-encoded.
///
/// ```swift
/// let hash = K2Signature.hash(url: "https://k2.example.cz/SWSORI/Data/Customer?fields=Id%2CName&pageSize=250", password: "secret")
/// // "B/NxxHvlPlQlHEBY54mUKQ=="
/// ```
public enum K2Signature {
    /// Header mode: `base64(HMAC-MD5(password, uppercase(percentDecode(url))))`.
    public static func hash(url: String, password: String) -> String {
        Self.mac(Self.uppercase(Self.percentDecode(url)), password: password)
    }

    /// The `Authorization` value of header mode: `{username}:{hash}`, no scheme word.
    public static func authorization(url: String, username: String, password: String) -> String {
        username + ":" + Self.hash(url: url, password: password)
    }

    /// x-auth mode: `url` + `?x-auth=` / `&x-auth=` + `urlencode(username:hash)`, the hash taken
    /// over the upper-cased text up to `x-auth=` (percent-decoded first when `decode`).
    public static func xAuthURL(url: String, username: String, password: String, decode: Bool = false) -> String {
        let text = url + (url.contains("?") ? "&x-auth=" : "?x-auth=")
        let message = Self.uppercase(decode ? Self.percentDecode(text) : text)
        return text + Self.formEncode(username + ":" + Self.mac(message, password: password))
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

    /// Decodes `%XX` escapes (not `+`: Gatehouse never sends one); invalid escapes stay as written.
    public static func percentDecode(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2, let high = Self.hex(utf8[utf8.startIndex]),
                let low = Self.hex(utf8[utf8.startIndex + 1])
            {
                bytes.append(high << 4 | low)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Percent-encodes every byte but `A-Z a-z 0-9 - _ . ~`.
    public static func formEncode(_ text: String) -> String {
        Self.encode(text, keeping: [])
    }

    /// Percent-encodes every byte but the unreserved ones and `keeping`.
    static func encode(_ text: String, keeping: Set<UInt8>) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(byte)
            default:
                if keeping.contains(byte) {
                    out.append(byte)
                } else {
                    out += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 15)]]
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A query value as Gatehouse sends it: spaces as `%20`, `;` `*` `@` `!` `^` kept readable.
    public static func queryValue(_ text: String) -> String {
        Self.encode(text, keeping: Set(";*@!^".utf8))
    }

    static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
