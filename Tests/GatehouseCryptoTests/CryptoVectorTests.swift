import GatehouseCrypto
import Testing

func hex(_ text: String) -> [UInt8] { Hex.decode(text)! }
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite struct HMACVectorTests {
    // RFC 2202 §2 (HMAC-MD5), all seven cases.
    @Test(arguments: [
        (String(repeating: "0b", count: 16), "Hi There".utf8.map { String(format2: $0) }.joined(), "9294727a3638bb1c13f48ef8158bfc9d"),
        (Hex.encode(bytes("Jefe")), Hex.encode(bytes("what do ya want for nothing?")), "750c783e6ab0b503eaa86e310a5db738"),
        (String(repeating: "aa", count: 16), String(repeating: "dd", count: 50), "56be34521d144c88dbb8c733f0e8b3f6"),
        ("0102030405060708090a0b0c0d0e0f10111213141516171819", String(repeating: "cd", count: 50), "697eaf0aca3a3aea3a75164746ffaa79"),
        (String(repeating: "0c", count: 16), Hex.encode(bytes("Test With Truncation")), "56461ef2342edc00f9bab995690efd4c"),
        (String(repeating: "aa", count: 80), Hex.encode(bytes("Test Using Larger Than Block-Size Key - Hash Key First")), "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"),
        (
            String(repeating: "aa", count: 80),
            Hex.encode(bytes("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data")),
            "6f630fad67cda0ee1fb1f562db3aa53e"
        ),
    ])
    func rfc2202HMACMD5(key: String, data: String, expected: String) {
        #expect(Hex.encode(HMAC.authenticationCode(.md5, key: hex(key), message: hex(data))) == expected)
    }

    // RFC 4231 §4.2–4.8 (HMAC-SHA-256 / SHA-512); case 5 is truncated to 128 bits.
    static let rfc4231: [(key: String, data: String, sha256: String, sha512: String)] = [
        (
            String(repeating: "0b", count: 20), Hex.encode(bytes("Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"
        ),
        (
            Hex.encode(bytes("Jefe")), Hex.encode(bytes("what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        ),
        (
            String(repeating: "aa", count: 20), String(repeating: "dd", count: 50),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
            "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"
        ),
        (
            "0102030405060708090a0b0c0d0e0f10111213141516171819", String(repeating: "cd", count: 50),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
            "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"
        ),
        (
            String(repeating: "aa", count: 131), Hex.encode(bytes("Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"
        ),
    ]

    @Test func rfc4231HMACSHA256AndSHA512() {
        for vector in Self.rfc4231 {
            #expect(Hex.encode(HMAC.authenticationCode(.sha256, key: hex(vector.key), message: hex(vector.data))) == vector.sha256)
            #expect(Hex.encode(HMAC.authenticationCode(.sha512, key: hex(vector.key), message: hex(vector.data))) == vector.sha512)
        }
        let truncated = HMAC.authenticationCode(.sha256, key: hex(String(repeating: "0c", count: 20)), message: bytes("Test With Truncation"))
        #expect(Hex.encode(Array(truncated.prefix(16))) == "a3b6167473100ee06e0c796c2955552b")
    }

    @Test func projectK2Vector() {
        let mac = HMAC.authenticationCode(
            .md5,
            key: bytes("secret"),
            message: bytes("HTTPS://K2.EXAMPLE.CZ/SWSORI/DATA/CUSTOMER?FIELDS=ID,NAME&PAGESIZE=250")
        )
        #expect(Base64.encode(mac) == "B/NxxHvlPlQlHEBY54mUKQ==")
    }

    @Test func digests() {
        #expect(Hex.encode(Digest.sha256(bytes("abc"))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hex.encode(Digest.sha256([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Hex.encode(Digest.md5([])) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(Hex.encode(Digest.md5(bytes("abc"))) == "900150983cd24fb0d6963f7d28e17f72")
    }
}

extension String {
    init(format2 byte: UInt8) { self = Hex.encode([byte]) }
}

@Suite struct AESGCMTests {
    // McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 13–16 (AES-256).
    static let key16 = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"
    static let plaintext16 =
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"

    @Test func gcmSpecCases13And14() throws {
        let empty = try AESGCM.seal([], key: [UInt8](repeating: 0, count: 32), nonce: [UInt8](repeating: 0, count: 12))
        #expect(Hex.encode(empty.tag) == "530f8afbc74536b9a963b4f1c4cb738b")
        let zeros = try AESGCM.seal([UInt8](repeating: 0, count: 16), key: [UInt8](repeating: 0, count: 32), nonce: [UInt8](repeating: 0, count: 12))
        #expect(Hex.encode(zeros.ciphertext) == "cea7403d4d606b6e074ec5d3baf39d18")
        #expect(Hex.encode(zeros.tag) == "d0d1c8a799996bf0265b98b5d48ab919")
    }

    @Test func gcmSpecCase16WithAAD() throws {
        let box = try AESGCM.seal(
            hex(Self.plaintext16),
            key: hex(Self.key16),
            nonce: hex("cafebabefacedbaddecaf888"),
            authenticating: hex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
        )
        #expect(
            Hex.encode(box.ciphertext)
                == "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
        )
        #expect(Hex.encode(box.tag) == "76fc6ece0f4e1768cddf8853bb2d551b")
        let opened = try AESGCM.open(box, key: hex(Self.key16), authenticating: hex("feedfacedeadbeeffeedfacedeadbeefabaddad2"))
        #expect(opened == hex(Self.plaintext16))
    }

    @Test func tamperingWrongKeyAndWrongAADAreRejected() throws {
        let key = SecureRandom.bytes(32)
        let box = try AESGCM.seal(bytes("canary secret"), key: key, authenticating: bytes("k2/password#1"))
        var flippedCiphertext = box
        flippedCiphertext.ciphertext[0] ^= 1
        var flippedTag = box
        flippedTag.tag[15] ^= 0x80
        #expect(throws: CryptoError.authenticationFailure) { try AESGCM.open(flippedCiphertext, key: key, authenticating: bytes("k2/password#1")) }
        #expect(throws: CryptoError.authenticationFailure) { try AESGCM.open(flippedTag, key: key, authenticating: bytes("k2/password#1")) }
        #expect(throws: CryptoError.authenticationFailure) { try AESGCM.open(box, key: key, authenticating: bytes("k2/password#2")) }
        #expect(throws: CryptoError.authenticationFailure) { try AESGCM.open(box, key: SecureRandom.bytes(32), authenticating: bytes("k2/password#1")) }
        #expect(try AESGCM.open(try AESGCM.SealedBox(combined: box.combined), key: key, authenticating: bytes("k2/password#1")) == bytes("canary secret"))
    }

    @Test func randomNoncesMakeDistinctCiphertexts() throws {
        let key = SecureRandom.bytes(32)
        let a = try AESGCM.seal(bytes("same"), key: key)
        let b = try AESGCM.seal(bytes("same"), key: key)
        #expect(a.nonce != b.nonce)
        #expect(a.combined != b.combined)
        #expect(throws: CryptoError.invalidKeySize) { try AESGCM.seal([], key: [1, 2, 3]) }
    }
}

@Suite struct EncodingTests {
    @Test func base64StrictDecoding() {
        #expect(Base64.decode("YQ==") == bytes("a"))
        #expect(Base64.decode("YWI=") == bytes("ab"))
        #expect(Base64.decode("YWJj") == bytes("abc"))
        #expect(Base64.decode("") == [])
        for bad in ["abc", "ab=c", "YQ==x", "YR==", "YQ= =", " YQ==", "YQ==\n", "Y===", "YWJ*"] {
            #expect(Base64.decode(bad) == nil, "\(bad) should be refused")
        }
        #expect(Base64.encode(hex("fb")) == "+w==")
    }

    @Test func base64URL() {
        let random = SecureRandom.bytes(32)
        let text = Base64.urlEncode(random)
        #expect(text.count == 43)
        #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
        #expect(Base64.urlDecode(text) == random)
        #expect(Base64.urlDecode("+w") == nil)
        #expect(Base64.urlDecode("-w") == hex("fb"))
        #expect(Base64.urlDecode("-x") == nil)
    }

    @Test func constantTimeEquality() {
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2]))
        #expect(ConstantTime.equals([], []))
    }

    @Test func hexRoundTrip() {
        #expect(Hex.encode([0, 255, 16]) == "00ff10")
        #expect(Hex.decode("00FF10") == [0, 255, 16])
        #expect(Hex.decode("0") == nil)
        #expect(Hex.decode("zz") == nil)
    }
}
