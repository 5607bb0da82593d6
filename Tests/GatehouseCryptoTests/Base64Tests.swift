import GatehouseCrypto
import Testing

@Suite struct Base64Tests {
    /// RFC 4648 §10.
    @Test(arguments: [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ])
    func rfc4648Vectors(plain: String, encoded: String) {
        #expect(Base64.encode(utf8(plain)) == encoded)
        #expect(Base64.decode(encoded) == utf8(plain))
        let unpadded = String(encoded.prefix { $0 != "=" })
        #expect(Base64.urlEncode(utf8(plain)) == unpadded)
        #expect(Base64.urlDecode(unpadded) == utf8(plain))
    }

    @Test func alphabets() {
        #expect(Base64.encode(hex("fbff")) == "+/8=")
        #expect(Base64.urlEncode(hex("fbff")) == "-_8")
        #expect(Base64.decode("+/8=") == hex("fbff"))
        #expect(Base64.urlDecode("-_8") == hex("fbff"))
        #expect(Base64.encode(Array(0...255) as [UInt8]).count == 344)
    }

    @Test(arguments: [
        "abc",  // bad length
        "ab=c",  // padding inside
        "YQ==x",  // trailing garbage
        "YR==",  // non-canonical trailing bits ("a" is YQ==)
        "Zm9=",  // non-canonical trailing bits ("fo" is Zm8=)
        "YQ= =", " YQ==", "YQ==\n", "Zm9v\r\n", "Zm 9v", "\tZm9v",  // whitespace
        "Y===", "====", "=YQ=", "YQ=", "Zm8",  // padding misuse or missing
        "Zm-_", "Zm9v*A==", "Zm9vYé==",  // foreign characters
    ])
    func strictDecodingRejects(_ bad: String) {
        #expect(Base64.decode(bad) == nil)
    }

    @Test(arguments: ["Zg==", "Zm8=", "+w", "/w", "Zh", "Zm9", "A", "Zm9vY", " Zg", "Zg\n"])
    func strictURLDecodingRejects(_ bad: String) {
        #expect(Base64.urlDecode(bad) == nil)
    }

    @Test func urlRoundTripOf32RandomBytes() {
        let random = SecureRandom.bytes(32)
        let text = Base64.urlEncode(random)
        #expect(text.count == 43)
        #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
        #expect(Base64.urlDecode(text) == random)
    }

    @Test func roundTripsEveryLength() {
        for length in 0...100 {
            let bytes = SecureRandom.bytes(length)
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
            #expect(Base64.urlDecode(Base64.urlEncode(bytes)) == bytes)
            #expect(Base64.encode(bytes[...]) == Base64.encode(bytes))
        }
    }
}
