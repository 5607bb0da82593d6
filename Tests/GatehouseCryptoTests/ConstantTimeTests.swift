import GatehouseCrypto
import Testing

@Suite struct ConstantTimeTests {
    @Test func equalInputs() {
        #expect(ConstantTime.equals([1, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
        #expect(ConstantTime.equals([UInt8](), [UInt8]()))
        let digest = SecureRandom.bytes(32)
        #expect(ConstantTime.equals(digest, Array(digest)))
        #expect(ConstantTime.equals(utf8("xsecret").dropFirst(), "secret".utf8))
    }

    @Test func unequalInputs() {
        #expect(!ConstantTime.equals([1, 2, 3] as [UInt8], [1, 2, 4] as [UInt8]))
        #expect(!ConstantTime.equals([0, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
        var digest = SecureRandom.bytes(32)
        let original = digest
        digest[16] ^= 0x40
        #expect(!ConstantTime.equals(digest, original))
    }

    @Test func differentLengthsAreUnequal() {
        #expect(!ConstantTime.equals([1, 2, 3] as [UInt8], [1, 2] as [UInt8]))
        #expect(!ConstantTime.equals([1, 2] as [UInt8], [1, 2, 3] as [UInt8]))
        #expect(!ConstantTime.equals([UInt8](), [0] as [UInt8]))
        #expect(!ConstantTime.equals("secret".utf8, "secret!".utf8))
    }
}
