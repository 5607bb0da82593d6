import GatehouseCrypto

/// Envelope encryption for the vault: the master key wraps a random data key, and the data key
/// seals each secret version with AES-256-GCM under a fresh random nonce. The additional data
/// binds every sealed value to its path and version, so a ciphertext copied anywhere else fails
/// to open instead of yielding a wrong secret.
///
/// Sealed value layout: `0x01 || nonce(12) || ciphertext || tag(16)`.
public struct EnvelopeCipher: Sendable {
    /// Format byte of sealed values; a future format would use another.
    static let format: UInt8 = 1
    private static let dataKeyContext = Array("gatehouse/vault/data-key/v1".utf8)

    private let dataKey: [UInt8]

    /// A cipher over an already unwrapped data key; `nil` unless it is 32 bytes.
    public init?(dataKey: [UInt8]) {
        guard dataKey.count == AESGCM.keySize else { return nil }
        self.dataKey = dataKey
    }

    /// A new random data key and its wrapping under `masterKey`.
    static func newDataKey(wrappedWith masterKey: MasterKey) -> (cipher: EnvelopeCipher, wrapped: [UInt8]) {
        let dataKey = SecureRandom.bytes(AESGCM.keySize)
        return (EnvelopeCipher(dataKey: dataKey)!, Self.wrap(dataKey, with: masterKey))
    }

    /// Opens a wrapped data key; `nil` when `masterKey` is not the key that wrapped it (or the
    /// wrapping was altered).
    static func unwrap(_ wrapped: [UInt8], with masterKey: MasterKey) -> EnvelopeCipher? {
        guard let box = try? AESGCM.SealedBox(combined: wrapped),
            let dataKey = try? AESGCM.open(box, key: masterKey.bytes, authenticating: Self.dataKeyContext)
        else { return nil }
        return EnvelopeCipher(dataKey: dataKey)
    }

    /// This cipher's data key wrapped under `masterKey` (for `rotate-master`).
    func rewrap(with masterKey: MasterKey) -> [UInt8] { Self.wrap(self.dataKey, with: masterKey) }

    private static func wrap(_ dataKey: [UInt8], with masterKey: MasterKey) -> [UInt8] {
        // Keys and nonces here always have valid sizes.
        try! AESGCM.seal(dataKey, key: masterKey.bytes, authenticating: Self.dataKeyContext).combined
    }

    /// Seals one version of the secret at `path`.
    public func seal(_ value: Secret, path: String, version: Int) -> [UInt8] {
        let box = value.withBytes { bytes in
            try! AESGCM.seal(bytes, key: self.dataKey, authenticating: Self.context(path: path, version: version))
        }
        return [Self.format] + box.combined
    }

    /// Opens a sealed version; throws ``VaultError/tampered(path:version:)`` for anything that does not
    /// authenticate under this path and version.
    public func open(_ sealed: [UInt8], path: String, version: Int) throws(VaultError) -> Secret {
        guard sealed.first == Self.format, let box = try? AESGCM.SealedBox(combined: Array(sealed.dropFirst())),
            let bytes = try? AESGCM.open(
                box, key: self.dataKey, authenticating: Self.context(path: path, version: version))
        else { throw .tampered(path: path, version: version) }
        return Secret(bytes: bytes)
    }

    /// `gatehouse/vault/secret/v1 NUL path NUL version`: paths cannot contain NUL, so no two
    /// (path, version) pairs share a context.
    private static func context(path: String, version: Int) -> [UInt8] {
        Array("gatehouse/vault/secret/v1".utf8) + [0] + Array(path.utf8) + [0] + Array(String(version).utf8)
    }
}
