/// Why a cryptographic operation failed; never carries key material or plaintext.
public struct CryptoError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of failure.
    public enum Kind: Sendable, Hashable {
        /// A key of the wrong length for the algorithm.
        case invalidKeySize
        /// A nonce of the wrong length for the algorithm.
        case invalidNonceSize
        /// Tampered data, the wrong key or the wrong authenticated context.
        case authenticationFailure
        /// Input that is structurally invalid (e.g. a sealed box too short to hold a nonce and tag).
        case malformedInput
        /// libcrypto itself failed.
        case internalFailure
    }

    /// What went wrong.
    public let kind: Kind

    /// An error of `kind`.
    public init(_ kind: Kind) { self.kind = kind }

    /// A key of the wrong length for the algorithm.
    public static let invalidKeySize = CryptoError(.invalidKeySize)
    /// A nonce of the wrong length for the algorithm.
    public static let invalidNonceSize = CryptoError(.invalidNonceSize)
    /// Tampered data, the wrong key or the wrong authenticated context.
    public static let authenticationFailure = CryptoError(.authenticationFailure)
    /// Structurally invalid input.
    public static let malformedInput = CryptoError(.malformedInput)
    /// libcrypto itself failed.
    public static let internalFailure = CryptoError(.internalFailure)

    /// A human-readable reason.
    public var description: String {
        switch self.kind {
        case .invalidKeySize: "invalid key size"
        case .invalidNonceSize: "invalid nonce size"
        case .authenticationFailure: "authentication failed (tampered data, wrong key or wrong context)"
        case .malformedInput: "malformed input"
        case .internalFailure: "libcrypto failure"
        }
    }
}
