import GatehouseCrypto
import Testing

@Suite struct DigestTests {
    @Test func sha256Vectors() {
        // FIPS 180-2 examples and the empty message.
        #expect(
            Hex.encode(Digest.sha256(utf8("abc"))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        )
        #expect(
            Hex.encode(Digest.sha256([UInt8]())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            Hex.encode(Digest.sha256(utf8("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        )
    }

    @Test(arguments: [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("a", "0cc175b9c0f1b6a831c399e269772661"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
    ])
    func md5RFC1321(message: String, expected: String) {
        #expect(Hex.encode(Digest.md5(utf8(message))) == expected)
    }

    @Test func acceptsAnyByteCollection() {
        let expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        #expect(Hex.encode(Digest.sha256("abc".utf8)) == expected)
        #expect(Hex.encode(Digest.sha256(utf8("xabcx").dropFirst().dropLast())) == expected)
        // Not contiguous: goes through the copying path.
        #expect(
            Hex.encode(Digest.sha256((0..<10).lazy.map { UInt8($0) }))
                == Hex.encode(Digest.sha256(Array(0..<10) as [UInt8])))
        #expect(
            Hex.encode(Digest.sha256((0..<10).lazy.map { UInt8($0) }))
                == "1f825aa2f0020ef7cf91dfa30da4668d791c5d4824fc8e41354b89ec05795ab3"
        )
    }
}
