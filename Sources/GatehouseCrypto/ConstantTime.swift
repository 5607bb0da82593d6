import CGatehouseOpenSSL

/// Comparisons whose duration does not depend on where inputs differ.
public enum ConstantTime {
    /// Whether `a` and `b` are equal; different lengths are unequal.
    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in gh_memcmp_equal(x.baseAddress, y.baseAddress, x.count) == 1 }
        }
    }
}
