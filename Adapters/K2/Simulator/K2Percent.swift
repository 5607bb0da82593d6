/// Percent-coding and .NET-style upper case, as the K2 API applies them (kept apart from the
/// adapter's code on purpose: the simulator is an independent implementation).
enum K2Percent {
    /// `%XX` decoded (`+` stays `+`, as `Uri.UnescapeDataString` leaves it).
    static func decode(_ text: String) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2, let h = Self.hex(utf8[utf8.startIndex]),
                let l = Self.hex(utf8[utf8.startIndex + 1])
            {
                bytes.append(h << 4 | l)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A query component decoded as ASP.NET reads parameters (`+` is a space).
    static func decodeQueryComponent(_ text: Substring) -> String {
        Self.decode(text.split(separator: "+", omittingEmptySubsequences: false).joined(separator: "%20"))
    }

    /// Every byte but `A-Z a-z 0-9 - _ . ~` (and `keeping`) as `%XX`.
    static func encode(_ text: String, keeping: String = "") -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        let keep = Set(keeping.utf8)
        var out: [UInt8] = []
        for byte in text.utf8 {
            let plain =
                (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x2D
                || byte == 0x5F || byte == 0x2E
                || byte == 0x7E
            if plain || keep.contains(byte) {
                out.append(byte)
            } else {
                out += [0x25, digits[Int(byte >> 4)], digits[Int(byte & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Upper case, one character to one (`ß` stays).
    static func uppercase(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let mapped = scalar.properties.uppercaseMapping.unicodeScalars
            out.append(mapped.count == 1 ? mapped.first! : scalar)
        }
        return String(out)
    }

    static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x61...0x66: byte - 0x61 + 10
        case 0x41...0x46: byte - 0x41 + 10
        default: nil
        }
    }

    /// Query parameters, decoded, in order.
    static func parameters(_ query: String) -> [(name: String, value: String)] {
        query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (Self.decodeQueryComponent(parts[0]), parts.count > 1 ? Self.decodeQueryComponent(parts[1]) : "")
        }
    }
}
