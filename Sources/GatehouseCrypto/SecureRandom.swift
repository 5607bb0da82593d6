internal import CGatehouseOpenSSL

/// Cryptographically secure random bytes from OpenSSL's DRBG (`RAND_bytes`).
public enum SecureRandom {
    /// `count` random bytes, for keys, nonces and tokens.
    ///
    /// Traps if OpenSSL's generator fails: that happens only when it cannot be seeded or has failed its
    /// health checks, and then no key, nonce or token this process hands out would be unpredictable.
    /// No caller could recover meaningfully, and returning weak bytes (or a `throws` that gets papered
    /// over with `try?`) would be worse than stopping.
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0, "negative byte count")
        return [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            precondition(gh_random_bytes(out.baseAddress, count) == 1, "OpenSSL's random generator failed")
            initialized = count
        }
    }
}
