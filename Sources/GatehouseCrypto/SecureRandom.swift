import CGatehouseOpenSSL

/// Cryptographically secure random bytes from OpenSSL's RAND_bytes.
public enum SecureRandom {
    /// `count` random bytes.
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        // A failing CSPRNG leaves no safe way on: keys and nonces would be predictable.
        precondition(gh_random_bytes(&out, count) == 1, "OpenSSL RAND_bytes failed")
        return out
    }
}
