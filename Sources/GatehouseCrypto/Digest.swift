internal import CGatehouseOpenSSL

/// Message digests on OpenSSL: SHA-256 and MD5.
public enum Digest {
    /// SHA-256 of `data` (32 bytes).
    public static func sha256(_ data: some Collection<UInt8>) -> [UInt8] {
        self.hash(GH_HASH_SHA256, size: 32, data, name: "SHA-256")
    }

    /// MD5 of `data` (16 bytes); for protocols that demand it, never for new security designs.
    public static func md5(_ data: some Collection<UInt8>) -> [UInt8] {
        self.hash(GH_HASH_MD5, size: 16, data, name: "MD5")
    }

    /// Hashes `data`. Traps only when libcrypto cannot provide the algorithm at all (e.g. MD5 under a
    /// FIPS-only OpenSSL configuration): a deployment error, not something a caller could handle.
    private static func hash(_ hash: gh_hash, size: Int, _ data: some Collection<UInt8>, name: StaticString) -> [UInt8]
    {
        [UInt8](unsafeUninitializedCapacity: size) { out, initialized in
            let ok = data.withContiguousBytes { input in
                gh_digest(hash, input.baseAddress, input.count, out.baseAddress, size)
            }
            precondition(ok == 1, "OpenSSL \(name) is unavailable")
            initialized = size
        }
    }
}
