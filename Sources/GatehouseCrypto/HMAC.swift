internal import CGatehouseOpenSSL

/// HMAC (RFC 2104) on OpenSSL.
public enum HMAC {
    /// The hash function under the HMAC.
    public enum Algorithm: Sendable, Hashable, CaseIterable {
        /// HMAC-MD5, 16-byte codes; only for protocols that demand it.
        case md5
        /// HMAC-SHA-256, 32-byte codes.
        case sha256
        /// HMAC-SHA-512, 64-byte codes.
        case sha512

        /// The length of an authentication code in bytes.
        public var codeSize: Int {
            switch self {
            case .md5: 16
            case .sha256: 32
            case .sha512: 64
            }
        }

        var hash: gh_hash {
            switch self {
            case .md5: GH_HASH_MD5
            case .sha256: GH_HASH_SHA256
            case .sha512: GH_HASH_SHA512
            }
        }
    }

    /// The full-length authentication code of `message` under `key`; compare codes with ``ConstantTime/equals(_:_:)``.
    public static func authenticationCode(
        _ algorithm: Algorithm,
        key: some Collection<UInt8>,
        message: some Collection<UInt8>
    ) -> [UInt8] {
        let size = algorithm.codeSize
        return [UInt8](unsafeUninitializedCapacity: size) { out, initialized in
            let ok = key.withContiguousBytes { k in
                message.withContiguousBytes { m in
                    gh_hmac(algorithm.hash, k.baseAddress, k.count, m.baseAddress, m.count, out.baseAddress, size)
                }
            }
            // Fails only when libcrypto lacks the algorithm (e.g. MD5 under FIPS-only configuration).
            precondition(ok == 1, "OpenSSL HMAC (\(algorithm)) is unavailable")
            initialized = size
        }
    }
}
