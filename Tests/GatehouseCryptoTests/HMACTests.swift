import GatehouseCrypto
import Testing

/// One HMAC test vector.
struct HMACVector: Sendable, CustomTestStringConvertible {
    let name: String
    let key: [UInt8]
    let message: [UInt8]
    let expected: [HMAC.Algorithm: String]
    /// The RFC publishes only this many leading bytes (RFC 4231 case 5).
    var truncatedTo: Int? = nil

    var testDescription: String { self.name }
}

@Suite struct HMACTests {
    static let rfc2202MD5: [HMACVector] = [
        HMACVector(
            name: "RFC 2202 #1", key: repeated(0x0b, 16), message: utf8("Hi There"),
            expected: [.md5: "9294727a3638bb1c13f48ef8158bfc9d"]),
        HMACVector(
            name: "RFC 2202 #2", key: utf8("Jefe"), message: utf8("what do ya want for nothing?"),
            expected: [.md5: "750c783e6ab0b503eaa86e310a5db738"]),
        HMACVector(
            name: "RFC 2202 #3", key: repeated(0xaa, 16), message: repeated(0xdd, 50),
            expected: [.md5: "56be34521d144c88dbb8c733f0e8b3f6"]),
        HMACVector(
            name: "RFC 2202 #4", key: hex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
            message: repeated(0xcd, 50),
            expected: [.md5: "697eaf0aca3a3aea3a75164746ffaa79"]
        ),
        HMACVector(
            name: "RFC 2202 #5", key: repeated(0x0c, 16), message: utf8("Test With Truncation"),
            expected: [.md5: "56461ef2342edc00f9bab995690efd4c"]),
        HMACVector(
            name: "RFC 2202 #6", key: repeated(0xaa, 80),
            message: utf8("Test Using Larger Than Block-Size Key - Hash Key First"),
            expected: [.md5: "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"]
        ),
        HMACVector(
            name: "RFC 2202 #7", key: repeated(0xaa, 80),
            message: utf8("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"),
            expected: [.md5: "6f630fad67cda0ee1fb1f562db3aa53e"]
        ),
    ]

    static let rfc4231: [HMACVector] = [
        HMACVector(
            name: "RFC 4231 #1", key: repeated(0x0b, 20), message: utf8("Hi There"),
            expected: [
                .sha256: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
                .sha512: "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
                    + "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
            ]
        ),
        HMACVector(
            name: "RFC 4231 #2", key: utf8("Jefe"), message: utf8("what do ya want for nothing?"),
            expected: [
                .sha256: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
                .sha512: "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
                    + "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
            ]
        ),
        HMACVector(
            name: "RFC 4231 #3", key: repeated(0xaa, 20), message: repeated(0xdd, 50),
            expected: [
                .sha256: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
                .sha512: "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
                    + "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb",
            ]
        ),
        HMACVector(
            name: "RFC 4231 #4", key: hex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
            message: repeated(0xcd, 50),
            expected: [
                .sha256: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
                .sha512: "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
                    + "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd",
            ]
        ),
        HMACVector(
            name: "RFC 4231 #5 (truncated)", key: repeated(0x0c, 20), message: utf8("Test With Truncation"),
            expected: [.sha256: "a3b6167473100ee06e0c796c2955552b", .sha512: "415fad6271580a531d4179bc891d87a6"],
            truncatedTo: 16
        ),
        HMACVector(
            name: "RFC 4231 #6", key: repeated(0xaa, 131),
            message: utf8("Test Using Larger Than Block-Size Key - Hash Key First"),
            expected: [
                .sha256: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
                .sha512: "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
                    + "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
            ]
        ),
        HMACVector(
            name: "RFC 4231 #7", key: repeated(0xaa, 131),
            message: utf8(
                "This is a test using a larger than block-size key and a larger than block-size data."
                    + " The key needs to be hashed before being used by the HMAC algorithm."
            ),
            expected: [
                .sha256: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
                .sha512: "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
                    + "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58",
            ]
        ),
    ]

    @Test(arguments: Self.rfc2202MD5 + Self.rfc4231)
    func publishedVectors(_ vector: HMACVector) {
        #expect(!vector.expected.isEmpty)
        for (algorithm, expected) in vector.expected {
            let code = HMAC.authenticationCode(algorithm, key: vector.key, message: vector.message)
            #expect(code.count == algorithm.codeSize)
            #expect(Hex.encode(code.prefix(vector.truncatedTo ?? code.count)) == expected, "\(algorithm)")
        }
    }

    /// The K2 adapter signs requests this way; its expected value is fixed here once and for all.
    @Test func projectK2Vector() {
        let code = HMAC.authenticationCode(
            .md5,
            key: utf8("secret"),
            message: utf8("HTTPS://K2.EXAMPLE.CZ/SWSORI/DATA/CUSTOMER?FIELDS=ID,NAME&PAGESIZE=250")
        )
        #expect(Base64.encode(code) == "B/NxxHvlPlQlHEBY54mUKQ==")
    }

    @Test func emptyKeyAndMessage() {
        #expect(
            Hex.encode(HMAC.authenticationCode(.md5, key: [UInt8](), message: [UInt8]()))
                == "74e6f7298a9c2d168935f58c001bad88")
        #expect(
            Hex.encode(HMAC.authenticationCode(.sha256, key: [UInt8](), message: [UInt8]()))
                == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"
        )
    }

    @Test func acceptsAnyByteCollection() {
        let expected = HMAC.authenticationCode(
            .sha256, key: utf8("Jefe"), message: utf8("what do ya want for nothing?"))
        #expect(
            HMAC.authenticationCode(.sha256, key: "Jefe".utf8, message: "what do ya want for nothing?".utf8) == expected
        )
        #expect(
            HMAC.authenticationCode(
                .sha256, key: utf8("Jefe")[...], message: "what do ya want for nothing?".utf8.lazy.map { $0 })
                == expected)
    }
}
