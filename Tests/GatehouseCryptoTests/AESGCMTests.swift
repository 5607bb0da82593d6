import GatehouseCrypto
import Testing

/// One AES-256-GCM known-answer vector.
struct GCMVector: Sendable, CustomTestStringConvertible {
    let name: String
    let key: [UInt8]
    let nonce: [UInt8]
    let plaintext: [UInt8]
    let aad: [UInt8]
    let ciphertext: [UInt8]
    let tag: [UInt8]

    var testDescription: String { self.name }
}

@Suite struct AESGCMTests {
    static let specKey = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
    static let specNonce = hex("cafebabefacedbaddecaf888")
    static let specPlaintext = hex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
            + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255"
    )
    static let specCiphertext = hex(
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
            + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad"
    )
    static let specAAD = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2")

    /// McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", test cases 13–16 (256-bit key).
    static let specVectors: [GCMVector] = [
        GCMVector(
            name: "GCM spec #13", key: repeated(0, 32), nonce: repeated(0, 12), plaintext: [], aad: [], ciphertext: [],
            tag: hex("530f8afbc74536b9a963b4f1c4cb738b")
        ),
        GCMVector(
            name: "GCM spec #14", key: repeated(0, 32), nonce: repeated(0, 12), plaintext: repeated(0, 16), aad: [],
            ciphertext: hex("cea7403d4d606b6e074ec5d3baf39d18"), tag: hex("d0d1c8a799996bf0265b98b5d48ab919")
        ),
        GCMVector(
            name: "GCM spec #15", key: specKey, nonce: specNonce, plaintext: specPlaintext, aad: [],
            ciphertext: specCiphertext, tag: hex("b094dac5d93471bdec1a502270e3cc6c")
        ),
        GCMVector(
            name: "GCM spec #16", key: specKey, nonce: specNonce, plaintext: Array(specPlaintext.prefix(60)),
            aad: specAAD,
            ciphertext: Array(specCiphertext.prefix(60)), tag: hex("76fc6ece0f4e1768cddf8853bb2d551b")
        ),
    ]

    @Test(arguments: Self.specVectors)
    func knownAnswers(_ vector: GCMVector) throws {
        let box = try AESGCM.seal(vector.plaintext, key: vector.key, nonce: vector.nonce, authenticating: vector.aad)
        #expect(box.nonce == vector.nonce)
        #expect(Hex.encode(box.ciphertext) == Hex.encode(vector.ciphertext))
        #expect(Hex.encode(box.tag) == Hex.encode(vector.tag))
        #expect(box.combined == vector.nonce + vector.ciphertext + vector.tag)
        let parsed = try AESGCM.SealedBox(combined: box.combined)
        #expect(parsed == box)
        #expect(try AESGCM.open(parsed, key: vector.key, authenticating: vector.aad) == vector.plaintext)
    }

    /// Case 16 with each kind of damage: every one must be refused, none may yield plaintext.
    @Test func tamperingWrongKeyAndWrongAADAreRejected() throws {
        let box = try AESGCM.SealedBox(
            nonce: Self.specNonce,
            ciphertext: Array(Self.specCiphertext.prefix(60)),
            tag: hex("76fc6ece0f4e1768cddf8853bb2d551b")
        )
        #expect(
            try AESGCM.open(box, key: Self.specKey, authenticating: Self.specAAD)
                == Array(Self.specPlaintext.prefix(60)))

        var flippedCiphertext = box
        flippedCiphertext.ciphertext[17] ^= 0x01
        var flippedTag = box
        flippedTag.tag[15] ^= 0x80
        var flippedNonce = box
        flippedNonce.nonce[0] ^= 0x01
        var wrongKey = Self.specKey
        wrongKey[31] ^= 0x01
        var wrongAAD = Self.specAAD
        wrongAAD[0] ^= 0x01

        #expect(throws: CryptoError.authenticationFailure) {
            try AESGCM.open(flippedCiphertext, key: Self.specKey, authenticating: Self.specAAD)
        }
        #expect(throws: CryptoError.authenticationFailure) {
            try AESGCM.open(flippedTag, key: Self.specKey, authenticating: Self.specAAD)
        }
        #expect(throws: CryptoError.authenticationFailure) {
            try AESGCM.open(flippedNonce, key: Self.specKey, authenticating: Self.specAAD)
        }
        #expect(throws: CryptoError.authenticationFailure) {
            try AESGCM.open(box, key: wrongKey, authenticating: Self.specAAD)
        }
        #expect(throws: CryptoError.authenticationFailure) {
            try AESGCM.open(box, key: Self.specKey, authenticating: wrongAAD)
        }
        #expect(throws: CryptoError.authenticationFailure) { try AESGCM.open(box, key: Self.specKey) }
        #expect(throws: CryptoError.authenticationFailure) {
            try AESGCM.open(box, key: SecureRandom.bytes(32), authenticating: Self.specAAD)
        }
    }

    @Test func randomNonceRoundTripsAndDiffers() throws {
        let key = SecureRandom.bytes(AESGCM.keySize)
        let plaintext = utf8("canary secret")
        let a = try AESGCM.seal(plaintext, key: key, authenticating: utf8("k2/password"))
        let b = try AESGCM.seal(plaintext, key: key, authenticating: utf8("k2/password"))
        #expect(a.nonce.count == 12 && a.tag.count == 16 && a.ciphertext.count == plaintext.count)
        #expect(a.nonce != b.nonce)
        #expect(a.ciphertext != b.ciphertext)
        #expect(a.combined != b.combined)
        #expect(
            try AESGCM.open(try AESGCM.SealedBox(combined: a.combined), key: key, authenticating: utf8("k2/password"))
                == plaintext)
        #expect(try AESGCM.open(b, key: key, authenticating: utf8("k2/password")) == plaintext)
    }

    @Test(arguments: [0, 1, 15, 16, 17, 4096, 1 << 20])
    func roundTripsAnyLength(_ length: Int) throws {
        let key = SecureRandom.bytes(32)
        let plaintext = SecureRandom.bytes(length)
        let box = try AESGCM.seal(plaintext, key: key)
        #expect(box.combined.count == 12 + length + 16)
        #expect(try AESGCM.open(box, key: key) == plaintext)
    }

    @Test func sizesAreChecked() throws {
        let key = SecureRandom.bytes(32)
        #expect(throws: CryptoError.invalidKeySize) { try AESGCM.seal([], key: [1, 2, 3]) }
        #expect(throws: CryptoError.invalidKeySize) { try AESGCM.seal([], key: SecureRandom.bytes(16)) }
        #expect(throws: CryptoError.invalidNonceSize) { try AESGCM.seal([], key: key, nonce: SecureRandom.bytes(16)) }
        #expect(throws: CryptoError.malformedInput) { try AESGCM.SealedBox(combined: SecureRandom.bytes(27)) }
        #expect(throws: CryptoError.invalidNonceSize) {
            try AESGCM.SealedBox(nonce: [], ciphertext: [], tag: SecureRandom.bytes(16))
        }
        #expect(throws: CryptoError.malformedInput) {
            try AESGCM.SealedBox(nonce: SecureRandom.bytes(12), ciphertext: [], tag: [])
        }
        var box = try AESGCM.seal([1], key: key)
        #expect(throws: CryptoError.invalidKeySize) { try AESGCM.open(box, key: []) }
        box.tag.removeLast()
        #expect(throws: CryptoError.malformedInput) { try AESGCM.open(box, key: key) }
        #expect(CryptoError.authenticationFailure.kind == .authenticationFailure)
        #expect(!CryptoError.authenticationFailure.description.isEmpty)
    }
}
