/// Why a cryptographic operation failed. Never carries key material.
public struct CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Kind: String, Sendable {
        case invalidKeySize = "invalid key size"
        case invalidNonceSize = "invalid nonce size"
        case authenticationFailure = "authentication failed (wrong key, tampered data or wrong context)"
        case malformedInput = "malformed input"
        case internalFailure = "internal failure"
    }

    let kind: Kind

    public static let invalidKeySize = CryptoError(kind: .invalidKeySize)
    public static let invalidNonceSize = CryptoError(kind: .invalidNonceSize)
    public static let authenticationFailure = CryptoError(kind: .authenticationFailure)
    public static let malformedInput = CryptoError(kind: .malformedInput)
    public static let internalFailure = CryptoError(kind: .internalFailure)

    public var description: String { self.kind.rawValue }
}
