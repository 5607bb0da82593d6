import GatehouseCrypto
import Testing

@Suite struct SecureRandomTests {
    @Test func producesRequestedCounts() {
        #expect(SecureRandom.bytes(0).isEmpty)
        #expect(SecureRandom.bytes(1).count == 1)
        #expect(SecureRandom.bytes(32).count == 32)
    }

    @Test func drawsDiffer() {
        #expect(SecureRandom.bytes(32) != SecureRandom.bytes(32))
        // 64 KiB of output uses every byte value (a stuck or zero generator would not).
        #expect(Set(SecureRandom.bytes(65_536)).count == 256)
    }
}
