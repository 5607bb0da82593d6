/// .NET's `HttpUtility.UrlEncode`, which Keyfax signatures are computed over: UTF-8 bytes;
/// `A-Z a-z 0-9 ( ) * - . _ !` stay; space becomes `+`; every other byte becomes `%xx` in
/// lowercase hex. Kept apart from the core's RFC 3986 ``PercentEncoding``: the signature is over
/// exactly these bytes, so another alphabet (`~` encoded, `!*()` kept) or uppercase hex would
/// break every signature.
public enum DotNetURLEncoding {
    /// Encodes `text`.
    public static func encode(_ text: String) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 3)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"),
                UInt8(ascii: "!"):
                out.append(byte)
            case UInt8(ascii: " "):
                out.append(UInt8(ascii: "+"))
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0f)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
