import CGatehouseOpenSSL

/// Message digests on OpenSSL: SHA-256 and MD5.
public enum Digest {
    /// SHA-256 of `data` (32 bytes).
    public static func sha256(_ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let ok = data.withUnsafeBufferPointer { input in gh_sha256(input.baseAddress, input.count, &out) }
        precondition(ok == 1, "OpenSSL SHA-256 failed")  // only with a broken libcrypto
        return out
    }

    /// MD5 of `data` (16 bytes); for protocols that demand it, never for security decisions.
    public static func md5(_ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 16)
        let ok = data.withUnsafeBufferPointer { input in gh_md5(input.baseAddress, input.count, &out) }
        precondition(ok == 1, "OpenSSL MD5 failed")
        return out
    }
}
