/// Base64 (RFC 4648 §4, padded) and base64url (§5, unpadded), with strict decoding.
public enum Base64 {
    /// Standard alphabet with `=` padding.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        Base64Alphabet.standard.encode(bytes, padded: true)
    }

    /// Strict standard decoding: padding required, no whitespace or foreign characters, zero trailing bits.
    public static func decode(_ text: String) -> [UInt8]? {
        text.utf8.withContiguousBytes { input in
            guard input.count % 4 == 0 else { return nil }
            var length = input.count
            if length > 0, input[length - 1] == UInt8(ascii: "=") { length -= 1 }
            if length > 0, input[length - 1] == UInt8(ascii: "=") { length -= 1 }
            // Any remaining `=` is not in the alphabet and is rejected by the decoder.
            return Base64Alphabet.standard.decode(UnsafeBufferPointer(rebasing: input[..<length]))
        }
    }

    /// URL-safe alphabet, no padding.
    public static func urlEncode(_ bytes: some Collection<UInt8>) -> String {
        Base64Alphabet.url.encode(bytes, padded: false)
    }

    /// Strict base64url decoding: unpadded (`=` is rejected), no foreign characters, zero trailing bits.
    public static func urlDecode(_ text: String) -> [UInt8]? {
        text.utf8.withContiguousBytes { Base64Alphabet.url.decode($0) }
    }
}
