internal import CGatehouseOpenSSL

/// AES-256-GCM authenticated encryption: 32-byte keys, 96-bit nonces, 128-bit tags.
///
/// Random nonces are safe for up to about 2^32 messages under one key; rotate keys well before that.
public enum AESGCM {
    /// Key length in bytes.
    public static let keySize = 32
    /// Nonce length in bytes.
    public static let nonceSize = 12
    /// Tag length in bytes.
    public static let tagSize = 16

    /// Encrypts and authenticates `plaintext` and `aad`; a random nonce is drawn when `nonce` is `nil`.
    public static func seal(
        _ plaintext: [UInt8],
        key: [UInt8],
        nonce: [UInt8]? = nil,
        authenticating aad: [UInt8] = []
    ) throws -> SealedBox {
        guard key.count == self.keySize else { throw CryptoError.invalidKeySize }
        let nonce = nonce ?? SecureRandom.bytes(self.nonceSize)
        guard nonce.count == self.nonceSize else { throw CryptoError.invalidNonceSize }
        var tag = [UInt8](repeating: 0, count: self.tagSize)
        let ciphertext = try [UInt8](unsafeUninitializedCapacity: plaintext.count) { out, initialized in
            let ok = gh_aes256gcm_seal(key, nonce, aad, aad.count, plaintext, plaintext.count, out.baseAddress, &tag)
            guard ok == 1 else { throw CryptoError.internalFailure }
            initialized = plaintext.count
        }
        return SealedBox(validatedNonce: nonce, ciphertext: ciphertext, tag: tag)
    }

    /// Verifies and decrypts `box`; tampering, the wrong key or the wrong `aad` throws
    /// ``CryptoError/authenticationFailure`` and no plaintext is ever returned.
    public static func open(_ box: SealedBox, key: [UInt8], authenticating aad: [UInt8] = []) throws -> [UInt8] {
        guard key.count == self.keySize else { throw CryptoError.invalidKeySize }
        guard box.nonce.count == self.nonceSize else { throw CryptoError.invalidNonceSize }
        guard box.tag.count == self.tagSize else { throw CryptoError.malformedInput }
        let count = box.ciphertext.count
        return try [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            // The shim wipes `out` on failure, so nothing unauthenticated survives even in freed memory.
            switch gh_aes256gcm_open(key, box.nonce, aad, aad.count, box.ciphertext, count, box.tag, out.baseAddress) {
            case 1: initialized = count
            case 0: throw CryptoError.authenticationFailure
            default: throw CryptoError.internalFailure
            }
        }
    }
}
