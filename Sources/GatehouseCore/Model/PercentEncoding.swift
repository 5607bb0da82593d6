import GatehouseCrypto

/// RFC 3986 percent-encoding, the one the core and every adapter sending URLs use (form bodies,
/// OKIT's validator URL, the http adapter's paths and queries, K2's URLs). Two encodings stay
/// outside on purpose: Keyfax signs over .NET's `HttpUtility.UrlEncode` (a different alphabet,
/// lowercase hex: `DotNetURLEncoding`), and the simulators carry their own so that they check the
/// gateway's encoding instead of sharing its mistakes.
///
/// ```swift
/// PercentEncoding.encode("a b&c")                 // "a%20b%26c"
/// PercentEncoding.encode("a;b", keeping: [0x3B])  // "a;b"
/// PercentEncoding.decode("a%20b+c")               // "a b+c"
/// ```
public enum PercentEncoding {
    /// `text`'s UTF-8 bytes with every byte but the unreserved ones (`A-Z a-z 0-9 - . _ ~`) and
    /// `keeping` as `%XX` (uppercase hex); a space as `+` when `spaceAsPlus` (form encoding).
    public static func encode(_ text: String, keeping: Set<UInt8> = [], spaceAsPlus: Bool = false) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            case UInt8(ascii: " ") where spaceAsPlus:
                out.append(UInt8(ascii: "+"))
            default:
                if keeping.contains(byte) {
                    out.append(byte)
                } else {
                    out += [UInt8(ascii: "%"), Hex.uppercaseDigit(byte >> 4), Hex.uppercaseDigit(byte & 0x0F)]
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `%XX` escapes decoded (either case); a `+` is a space only when `plusAsSpace` (form
    /// decoding). Invalid escapes stay as written.
    public static func decode(_ text: Substring, plusAsSpace: Bool = false) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "%") || (plusAsSpace && $0 == UInt8(ascii: "+")) }) else {
            return String(text)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if plusAsSpace, byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), utf8.count >= 2, let high = Hex.value(of: utf8[utf8.startIndex]),
                let low = Hex.value(of: utf8[utf8.startIndex + 1])
            {
                bytes.append(high << 4 | low)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// ``decode(_:plusAsSpace:)`` of a whole string.
    public static func decode(_ text: String, plusAsSpace: Bool = false) -> String {
        Self.decode(Substring(text), plusAsSpace: plusAsSpace)
    }
}
