internal import CGatehouseOpenSSL

/// Comparisons whose duration does not depend on the contents compared (`CRYPTO_memcmp`).
public enum ConstantTime {
    /// Whether `a` and `b` hold the same bytes; different lengths are unequal (only the lengths leak).
    public static func equals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        a.withContiguousBytes { x in
            b.withContiguousBytes { y in
                x.count == y.count && gh_equal(x.baseAddress, y.baseAddress, x.count) == 1
            }
        }
    }
}
