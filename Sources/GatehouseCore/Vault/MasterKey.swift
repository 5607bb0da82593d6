import GatehouseCrypto

/// The key that wraps the vault's data key: 32 bytes, given as base64 (`GATEHOUSE_MASTER_KEY` or
/// a key file). Printing it shows only its id.
public struct MasterKey: Sendable, CustomStringConvertible {
    let bytes: [UInt8]

    /// A short public fingerprint (16 hex digits) that tells keys apart in messages and the store,
    /// derived with HMAC so it reveals nothing usable about the key.
    public let id: String

    /// Parses base64 (standard or URL alphabet, surrounding whitespace ignored) of exactly 32 bytes.
    public init(base64 text: String) throws(VaultError) {
        let trimmed = text.filter { !$0.isWhitespace }
        guard !trimmed.isEmpty else { throw .invalidMasterKey("it is empty") }
        guard let bytes = Base64.decode(trimmed) ?? Base64.urlDecode(trimmed) else {
            throw .invalidMasterKey("it is not base64")
        }
        try self.init(bytes: bytes)
    }

    /// Wraps 32 raw bytes.
    public init(bytes: [UInt8]) throws(VaultError) {
        guard bytes.count == AESGCM.keySize else {
            throw .invalidMasterKey("it decodes to \(bytes.count) bytes; a master key is 32 bytes")
        }
        self.bytes = bytes
        self.id = Hex.encode(
            HMAC.authenticationCode(.sha256, key: bytes, message: Array("gatehouse master key id".utf8)).prefix(8))
    }

    /// A new random key.
    public static func generate() -> MasterKey {
        // 32 random bytes always make a valid key.
        try! MasterKey(bytes: SecureRandom.bytes(AESGCM.keySize))
    }

    /// The key as base64, for writing a new key file once; never log it.
    public func exportBase64() -> String { Base64.encode(self.bytes) }

    public var description: String { "MasterKey(id: \(self.id))" }
}
