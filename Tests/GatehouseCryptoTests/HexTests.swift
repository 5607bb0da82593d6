import GatehouseCrypto
import Testing

@Suite struct HexTests {
    @Test func encodesLowercase() {
        #expect(Hex.encode([UInt8]()) == "")
        #expect(Hex.encode([0, 255, 16, 0xab]) == "00ff10ab")
        #expect(Hex.encode("Jefe".utf8) == "4a656665")
    }

    @Test func decodesEitherCase() {
        #expect(Hex.decode("") == [])
        #expect(Hex.decode("00ff10AB") == [0, 255, 16, 0xab])
        let all = Array(0...255) as [UInt8]
        #expect(Hex.decode(Hex.encode(all)) == all)
        #expect(Hex.decode(Hex.encode(all).uppercased()) == all)
    }

    @Test(arguments: ["0", "abc", "zz", "0g", " 00", "00 ", "0x00", "é0"])
    func rejectsMalformed(_ bad: String) {
        #expect(Hex.decode(bad) == nil)
    }
}
