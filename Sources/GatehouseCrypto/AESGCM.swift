import CGatehouseOpenSSL

/// AES-256-GCM with a 96-bit nonce and a 128-bit tag.
public enum AESGCM {
    /// A sealed message: nonce, ciphertext and tag.
    public struct SealedBox: Sendable, Equatable {
        public var nonce: [UInt8]
        public var ciphertext: [UInt8]
        public var tag: [UInt8]

        /// `nonce || ciphertext || tag`.
        public var combined: [UInt8] { self.nonce + self.ciphertext + self.tag }

        /// Splits `nonce || ciphertext || tag`.
        public init(combined: [UInt8]) throws {
            guard combined.count >= 28 else { throw CryptoError.malformedInput }
            self.nonce = Array(combined.prefix(12))
            self.ciphertext = Array(combined.dropFirst(12).dropLast(16))
            self.tag = Array(combined.suffix(16))
        }

        init(nonce: [UInt8], ciphertext: [UInt8], tag: [UInt8]) {
            self.nonce = nonce
            self.ciphertext = ciphertext
            self.tag = tag
        }
    }

    /// Encrypts and authenticates `plaintext` (and `aad`) under a 32-byte key.
    public static func seal(_ plaintext: [UInt8], key: [UInt8], nonce: [UInt8]? = nil, authenticating aad: [UInt8] = []) throws
        -> SealedBox
    {
        guard key.count == 32 else { throw CryptoError.invalidKeySize }
        let nonce = nonce ?? SecureRandom.bytes(12)
        guard nonce.count == 12 else { throw CryptoError.invalidNonceSize }
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count)
        var tag = [UInt8](repeating: 0, count: 16)
        let ok = plaintext.withUnsafeBufferPointer { p in
            aad.withUnsafeBufferPointer { a in
                gh_aes256gcm_seal(key, nonce, a.baseAddress, a.count, p.baseAddress, p.count, &ciphertext, &tag)
            }
        }
        guard ok == 1 else { throw CryptoError.internalFailure }
        return SealedBox(nonce: nonce, ciphertext: ciphertext, tag: tag)
    }

    /// Verifies and decrypts; any tampering, wrong key or wrong `aad` throws
    /// ``CryptoError/authenticationFailure`` and no plaintext is returned.
    public static func open(_ box: SealedBox, key: [UInt8], authenticating aad: [UInt8] = []) throws -> [UInt8] {
        guard key.count == 32 else { throw CryptoError.invalidKeySize }
        guard box.nonce.count == 12, box.tag.count == 16 else { throw CryptoError.malformedInput }
        var plaintext = [UInt8](repeating: 0, count: box.ciphertext.count)
        let ok = box.ciphertext.withUnsafeBufferPointer { c in
            aad.withUnsafeBufferPointer { a in
                gh_aes256gcm_open(key, box.nonce, a.baseAddress, a.count, c.baseAddress, c.count, box.tag, &plaintext)
            }
        }
        guard ok == 1 else { throw CryptoError.authenticationFailure }
        return plaintext
    }
}
