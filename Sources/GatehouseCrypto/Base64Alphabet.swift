/// One base64 alphabet with its encoding and decoding tables.
struct Base64Alphabet: Sendable {
    /// RFC 4648 §4.
    static let standard = Base64Alphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    /// RFC 4648 §5.
    static let url = Base64Alphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    /// Sextet value to character.
    let characters: [UInt8]
    /// Character to sextet value; `invalid` for characters outside the alphabet.
    let values: [UInt8]
    static let invalid: UInt8 = 0xFF

    init(_ alphabet: StaticString) {
        self.characters = alphabet.withUTF8Buffer { Array($0) }
        var values = [UInt8](repeating: Self.invalid, count: 256)
        for (value, character) in self.characters.enumerated() { values[Int(character)] = UInt8(value) }
        self.values = values
    }

    /// Encodes `bytes`, with `=` padding to a multiple of four characters when `padded`.
    func encode(_ bytes: some Collection<UInt8>, padded: Bool) -> String {
        bytes.withContiguousBytes { input in
            let whole = input.count / 3
            let rest = input.count % 3
            let length = whole * 4 + (rest == 0 ? 0 : padded ? 4 : rest + 1)
            return self.characters.withUnsafeBufferPointer { alphabet in
                String(unsafeUninitializedCapacity: length) { out in
                    var i = 0
                    var o = 0
                    for _ in 0..<whole {
                        let n = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
                        out[o] = alphabet[Int(n >> 18)]
                        out[o + 1] = alphabet[Int(n >> 12 & 63)]
                        out[o + 2] = alphabet[Int(n >> 6 & 63)]
                        out[o + 3] = alphabet[Int(n & 63)]
                        i += 3
                        o += 4
                    }
                    if rest > 0 {
                        let n = UInt32(input[i]) << 16 | (rest == 2 ? UInt32(input[i + 1]) << 8 : 0)
                        out[o] = alphabet[Int(n >> 18)]
                        out[o + 1] = alphabet[Int(n >> 12 & 63)]
                        o += 2
                        if rest == 2 {
                            out[o] = alphabet[Int(n >> 6 & 63)]
                            o += 1
                        }
                        while padded, o < length {
                            out[o] = UInt8(ascii: "=")
                            o += 1
                        }
                    }
                    return length
                }
            }
        }
    }

    /// Decodes unpadded `input`; `nil` for characters outside the alphabet, an impossible length
    /// (one character past a group) or non-zero trailing bits (a non-canonical encoding).
    func decode(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let whole = input.count / 4
        let rest = input.count % 4
        guard rest != 1 else { return nil }
        let length = whole * 3 + (rest == 0 ? 0 : rest - 1)
        var valid = true
        let bytes = self.values.withUnsafeBufferPointer { table in
            [UInt8](unsafeUninitializedCapacity: length) { out, initialized in
                var seen: UInt8 = 0  // OR of all sextets: bit 7 set means an invalid character
                var i = 0
                var o = 0
                for _ in 0..<whole {
                    let a = table[Int(input[i])]
                    let b = table[Int(input[i + 1])]
                    let c = table[Int(input[i + 2])]
                    let d = table[Int(input[i + 3])]
                    seen |= a | b | c | d
                    let n = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                    out[o] = UInt8(truncatingIfNeeded: n >> 16)
                    out[o + 1] = UInt8(truncatingIfNeeded: n >> 8)
                    out[o + 2] = UInt8(truncatingIfNeeded: n)
                    i += 4
                    o += 3
                }
                var leftover: UInt8 = 0  // bits past the last whole byte; must be zero
                if rest >= 2 {
                    let a = table[Int(input[i])]
                    let b = table[Int(input[i + 1])]
                    seen |= a | b
                    out[o] = a << 2 | b >> 4
                    if rest == 3 {
                        let c = table[Int(input[i + 2])]
                        seen |= c
                        out[o + 1] = b << 4 | c >> 2
                        leftover = c & 0x03
                    } else {
                        leftover = b & 0x0F
                    }
                }
                valid = seen & 0x80 == 0 && leftover == 0
                initialized = length
            }
        }
        return valid ? bytes : nil
    }
}
