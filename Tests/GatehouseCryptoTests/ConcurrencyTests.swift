import GatehouseCrypto
import Testing

@Suite struct ConcurrencyTests {
    /// Many tasks at once through the shared, fetched-once algorithms give the same answers.
    @Test func concurrentCallersAgree() async throws {
        let key = SecureRandom.bytes(32)
        let message = utf8("HTTPS://K2.EXAMPLE.CZ/SWSORI/DATA/CUSTOMER?FIELDS=ID,NAME&PAGESIZE=250")
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    let mac = HMAC.authenticationCode(.md5, key: utf8("secret"), message: message)
                    let opened = try AESGCM.open(try AESGCM.seal(utf8("payload"), key: key), key: key)
                    let digest = Digest.sha256(utf8("abc"))
                    return Base64.encode(mac) == "B/NxxHvlPlQlHEBY54mUKQ==" && opened == utf8("payload")
                        && Hex.encode(digest) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 64)
        #expect(results.allSatisfy { $0 })
    }
}
