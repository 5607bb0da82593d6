extension Collection<UInt8> {
    /// Calls `body` with the bytes laid out contiguously, copying only collections that have no contiguous storage.
    @inline(__always)
    func withContiguousBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        if let result = try self.withContiguousStorageIfAvailable(body) { return result }
        return try Array(self).withUnsafeBufferPointer(body)
    }
}
