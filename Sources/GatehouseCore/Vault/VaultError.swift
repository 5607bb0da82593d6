/// Why a vault operation failed. Messages name paths, versions and key ids, never values.
public struct VaultError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Kind: Sendable, Hashable {
        case sealed(location: String)
        case wrongMasterKey(location: String, expected: String, given: String)
        case notInitialized(location: String)
        case alreadyInitialized(location: String)
        case tampered(path: String, version: Int)
        case invalidPath(String)
        case notFound(path: String)
        case expired(path: String, at: Timestamp)
        case tooLarge(limit: Int)
        case emptyValue
        case duplicatePath(String)
        case invalidMasterKey(String)
        case storeFailure(String)
        case storeUnreachable(String)
        case schemaTooNew(found: Int, supported: Int)
        case leaseLost(String)
    }

    private let kind: Kind

    /// No master key was given, so the vault cannot be opened.
    public static func sealed(location: String) -> VaultError { VaultError(kind: .sealed(location: location)) }
    /// The master key does not open the vault's data key.
    public static func wrongMasterKey(location: String, expected: String, given: String) -> VaultError {
        VaultError(kind: .wrongMasterKey(location: location, expected: expected, given: given))
    }
    /// The store holds no vault yet.
    public static func notInitialized(location: String) -> VaultError {
        VaultError(kind: .notInitialized(location: location))
    }
    /// `vault init` on a store that already holds a vault.
    public static func alreadyInitialized(location: String) -> VaultError {
        VaultError(kind: .alreadyInitialized(location: location))
    }
    /// A sealed value did not authenticate: tampered, or copied from another path or version.
    public static func tampered(path: String, version: Int) -> VaultError {
        VaultError(kind: .tampered(path: path, version: version))
    }
    /// A path that is not `segment/segment...` of `[A-Za-z0-9._-]`.
    public static func invalidPath(_ path: String) -> VaultError { VaultError(kind: .invalidPath(path)) }
    /// No secret at `path`.
    public static func notFound(path: String) -> VaultError { VaultError(kind: .notFound(path: path)) }
    /// The secret's `expires_at` has passed.
    public static func expired(path: String, at: Timestamp) -> VaultError {
        VaultError(kind: .expired(path: path, at: at))
    }
    /// A value larger than the vault accepts.
    public static func tooLarge(limit: Int) -> VaultError { VaultError(kind: .tooLarge(limit: limit)) }
    /// An empty value (an empty credential is never stored or sent).
    public static let emptyValue = VaultError(kind: .emptyValue)
    /// The same path twice in one atomic write.
    public static func duplicatePath(_ path: String) -> VaultError { VaultError(kind: .duplicatePath(path)) }
    /// Master key material that is not base64 of 32 bytes, or a key file that is too open.
    public static func invalidMasterKey(_ reason: String) -> VaultError { VaultError(kind: .invalidMasterKey(reason)) }
    /// The store failed (I/O, corruption, constraint); the message comes from the store, never a value.
    public static func storeFailure(_ message: String) -> VaultError { VaultError(kind: .storeFailure(message)) }
    /// The store can no longer be reached (file removed or replaced, connection lost).
    public static func storeUnreachable(_ message: String) -> VaultError {
        VaultError(kind: .storeUnreachable(message))
    }
    /// The store was written by a newer Gatehouse.
    public static func schemaTooNew(found: Int, supported: Int) -> VaultError {
        VaultError(kind: .schemaTooNew(found: found, supported: supported))
    }

    /// A write under a lease that expired or passed to another holder; nothing was written.
    public static func leaseLost(_ name: String) -> VaultError { VaultError(kind: .leaseLost(name)) }

    /// Whether the error means "no such secret" (404 rather than 5xx at the admin API).
    public var isNotFound: Bool { if case .notFound = self.kind { true } else { false } }

    /// Whether the caller's input was wrong (400 at the admin API).
    public var isInvalidInput: Bool {
        switch self.kind {
        case .invalidPath, .tooLarge, .emptyValue, .duplicatePath: true
        default: false
        }
    }

    /// A bounded label, safe for metrics.
    public var shortDescription: String {
        switch self.kind {
        case .sealed: "sealed"
        case .wrongMasterKey: "wrong_master_key"
        case .notInitialized: "not_initialized"
        case .alreadyInitialized: "already_initialized"
        case .tampered: "tampered"
        case .invalidPath: "invalid_path"
        case .notFound: "not_found"
        case .expired: "expired"
        case .tooLarge: "too_large"
        case .emptyValue: "empty_value"
        case .duplicatePath: "duplicate_path"
        case .invalidMasterKey: "invalid_master_key"
        case .storeFailure: "store_failure"
        case .storeUnreachable: "store_unreachable"
        case .schemaTooNew: "schema_too_new"
        case .leaseLost: "lease_lost"
        }
    }

    public var description: String {
        switch self.kind {
        case .sealed(let location):
            """
            the vault at \(location) is sealed: no master key was given. Set GATEHOUSE_MASTER_KEY to the base64 of \
            the 
            """
                + """
                32-byte master key, or point vault.master_key at file:PATH (mode 0600); `gatehouse vault \
                generate-key` makes one
                """
        case .wrongMasterKey(let location, let expected, let given):
            """
            the master key (id \(given)) does not open the vault at \(location), which is sealed with master key \
            id \(expected)
            """
        case .notInitialized(let location):
            "there is no vault at \(location) yet: create it with `gatehouse vault init`"
        case .alreadyInitialized(let location):
            "a vault already exists at \(location); refusing to overwrite it"
        case .tampered(let path, let version):
            """
            secret \(path) version \(version) failed authentication: it was altered, or copied from another path \
            or version
            """
        case .invalidPath(let path):
            """
            \"\(path.prefix(80))\" is not a valid secret path: segments of letters, digits, '.', '_' and '-' \
            joined by '/'
            """
        case .notFound(let path):
            "no secret at \(path)"
        case .expired(let path, let at):
            "secret \(path) expired at \(at.iso8601)"
        case .tooLarge(let limit):
            "secret values are limited to \(limit) bytes"
        case .emptyValue:
            "the value is empty; an empty credential is never stored"
        case .duplicatePath(let path):
            "\(path) appears twice in one write"
        case .invalidMasterKey(let reason):
            "invalid master key: \(reason)"
        case .storeFailure(let message):
            "vault store failure: \(message)"
        case .storeUnreachable(let message):
            "vault store unreachable: \(message)"
        case .schemaTooNew(let found, let supported):
            """
            the vault's schema version \(found) is newer than this Gatehouse supports (\(supported)); upgrade \
            Gatehouse
            """
        case .leaseLost(let name):
            "the lease \(name) expired or passed to another instance before the write; nothing was written"
        }
    }
}
