extension AESGCM {
    /// A sealed message: nonce, ciphertext and tag.
    public struct SealedBox: Sendable, Hashable {
        /// The 12-byte nonce.
        public var nonce: [UInt8]
        /// The encrypted message, as long as the plaintext.
        public var ciphertext: [UInt8]
        /// The 16-byte authentication tag.
        public var tag: [UInt8]

        /// `nonce || ciphertext || tag`, the form to store or transmit.
        public var combined: [UInt8] {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(self.nonce.count + self.ciphertext.count + self.tag.count)
            bytes += self.nonce
            bytes += self.ciphertext
            bytes += self.tag
            return bytes
        }

        /// A box from its parts; throws ``CryptoError/invalidNonceSize`` or ``CryptoError/malformedInput`` (tag).
        public init(nonce: [UInt8], ciphertext: [UInt8], tag: [UInt8]) throws {
            guard nonce.count == AESGCM.nonceSize else { throw CryptoError.invalidNonceSize }
            guard tag.count == AESGCM.tagSize else { throw CryptoError.malformedInput }
            self.init(validatedNonce: nonce, ciphertext: ciphertext, tag: tag)
        }

        /// Splits `nonce || ciphertext || tag`; throws ``CryptoError/malformedInput`` when too short.
        public init(combined: [UInt8]) throws {
            guard combined.count >= AESGCM.nonceSize + AESGCM.tagSize else { throw CryptoError.malformedInput }
            let tagStart = combined.count - AESGCM.tagSize
            self.init(
                validatedNonce: Array(combined[..<AESGCM.nonceSize]),
                ciphertext: Array(combined[AESGCM.nonceSize..<tagStart]),
                tag: Array(combined[tagStart...])
            )
        }

        init(validatedNonce nonce: [UInt8], ciphertext: [UInt8], tag: [UInt8]) {
            self.nonce = nonce
            self.ciphertext = ciphertext
            self.tag = tag
        }
    }
}
