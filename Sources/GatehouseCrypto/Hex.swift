/// Hexadecimal, the one hex helper: lowercase encoding, case-insensitive strict decoding, and
/// the single digits percent-encoding needs (``uppercaseDigit(_:)``, ``value(of:)``).
public enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)
    private static let uppercaseDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// The uppercase hex digit (ASCII) of `nibble`'s low four bits, as percent-encoding writes it.
    public static func uppercaseDigit(_ nibble: UInt8) -> UInt8 { self.uppercaseDigits[Int(nibble & 0x0F)] }

    /// The lowercase hex digit (ASCII) of `nibble`'s low four bits, as JSON's `\u00XX` writes it.
    public static func lowercaseDigit(_ nibble: UInt8) -> UInt8 { self.digits[Int(nibble & 0x0F)] }

    /// The value of one hex digit (ASCII, either case); `nil` for any other byte.
    public static func value(of digit: UInt8) -> UInt8? { self.nibble(digit) }

    /// Lowercase hex of `bytes`, two characters per byte.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        bytes.withContiguousBytes { input in
            self.digits.withUnsafeBufferPointer { digits in
                String(unsafeUninitializedCapacity: input.count * 2) { out in
                    for (i, byte) in input.enumerated() {
                        out[2 * i] = digits[Int(byte >> 4)]
                        out[2 * i + 1] = digits[Int(byte & 0x0F)]
                    }
                    return input.count * 2
                }
            }
        }
    }

    /// The bytes of an even-length hex string (either case); `nil` for odd length or any other character.
    public static func decode(_ s: String) -> [UInt8]? {
        s.utf8.withContiguousBytes { input in
            guard input.count % 2 == 0 else { return nil }
            var valid = true
            let bytes = [UInt8](unsafeUninitializedCapacity: input.count / 2) { out, initialized in
                for o in 0..<input.count / 2 {
                    guard let high = self.nibble(input[2 * o]), let low = self.nibble(input[2 * o + 1]) else {
                        valid = false
                        return
                    }
                    out[o] = high << 4 | low
                }
                initialized = input.count / 2
            }
            return valid ? bytes : nil
        }
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c &- UInt8(ascii: "A") &+ 10
        default: nil
        }
    }
}
