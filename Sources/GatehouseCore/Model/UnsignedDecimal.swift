/// A whole number written by someone outside (a header, a token answer, a cursor) as plain
/// ASCII digits: no sign, no spaces, no fraction, no exponent, and at most 18 digits so that it
/// always fits an `Int` and leaves room for arithmetic.
///
/// ```swift
/// UnsignedDecimal.parse("3600")                  // 3600
/// UnsignedDecimal.parse("9223372036854775807")   // nil: 19 digits
/// UnsignedDecimal.parse("-1") ?? 0               // 0: a sign is not a digit
/// ```
public enum UnsignedDecimal {
    /// The most digits accepted by default: 18 digits stay below `Int64.max` (19 digits).
    public static let maximumDigits = 18

    /// The value of `text`, or `nil` when it is not 1 to `maximumDigits` ASCII digits.
    public static func parse(_ text: some StringProtocol, maximumDigits: Int = Self.maximumDigits) -> Int? {
        let limit = Swift.min(maximumDigits, Self.maximumDigits)
        var value = 0
        var digits = 0
        for byte in text.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < limit else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            digits += 1
        }
        return digits == 0 ? nil : value
    }
}
