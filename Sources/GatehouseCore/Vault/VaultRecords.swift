/// Which way a vault change or read came in (stored in the `origin` columns; not a URL origin).
public enum ChangeSource: String, Sendable, CaseIterable {
    /// `gatehouse vault ...` on the command line.
    case cli
    /// The admin API.
    case admin
    /// A web hook delivering keys (Keyfax rotation).
    case webhook
    /// Tokens obtained by an OAuth2 flow.
    case oauth
    /// Tokens an adapter obtained itself (e.g. Keyfax JWTs).
    case adapter
}

/// The author of a vault change: a name (user, admin caller, connection) and where it came from.
public struct VaultActor: Sendable, Hashable {
    public var name: String
    public var source: ChangeSource

    /// Creates an actor.
    public init(name: String, source: ChangeSource) {
        self.name = name
        self.source = source
    }
}

/// What is known about a secret, never its value.
public struct SecretMetadata: Sendable, Hashable {
    public var path: String
    /// The current version (versions count up from 1).
    public var version: Int
    /// When the secret was first written.
    public var createdAt: Timestamp
    /// When the current version was written.
    public var updatedAt: Timestamp
    /// When the current value stops being valid, if it does.
    public var expiresAt: Timestamp?
    /// Who wrote the current version.
    public var source: ChangeSource
    /// How many versions are kept.
    public var versionsKept: Int

    /// Creates metadata.
    public init(
        path: String,
        version: Int,
        createdAt: Timestamp,
        updatedAt: Timestamp,
        expiresAt: Timestamp?,
        source: ChangeSource,
        versionsKept: Int
    ) {
        self.path = path
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.expiresAt = expiresAt
        self.source = source
        self.versionsKept = versionsKept
    }

    /// The metadata as a value for listings (`path`, `version`, `created_at`, ...).
    public var value: Value {
        var object: Value.Object = [
            "path": .string(self.path),
            "version": .int(self.version),
            "created_at": .string(self.createdAt.iso8601),
            "updated_at": .string(self.updatedAt.iso8601),
            "source": .string(self.source.rawValue),
            "versions_kept": .int(self.versionsKept),
        ]
        object["expires_at"] = self.expiresAt.map { .string($0.iso8601) } ?? .null
        return .object(object)
    }
}

/// One sealed version as the store holds it.
public struct StoredSecret: Sendable {
    public var metadata: SecretMetadata
    /// The version's sealed bytes (see the vault's envelope format); opaque to stores.
    public var sealed: [UInt8]

    /// Creates a stored version.
    public init(metadata: SecretMetadata, sealed: [UInt8]) {
        self.metadata = metadata
        self.sealed = sealed
    }
}

/// One secret to write. The store picks the version inside its transaction and asks `seal` for
/// the bytes bound to it, so stores never see plaintext.
public struct SecretWrite: Sendable {
    public var path: String
    public var expiresAt: Timestamp?
    public var seal: @Sendable (_ version: Int) -> [UInt8]

    /// Creates a write.
    public init(path: String, expiresAt: Timestamp?, seal: @escaping @Sendable (Int) -> [UInt8]) {
        self.path = path
        self.expiresAt = expiresAt
        self.seal = seal
    }
}

/// The wrapped data key and the id of the master key that wrapped it.
public struct VaultKeyring: Sendable, Hashable {
    public var masterKeyID: String
    public var wrappedDataKey: [UInt8]
    public var createdAt: Timestamp
    public var rotatedAt: Timestamp?

    /// Creates a keyring.
    public init(masterKeyID: String, wrappedDataKey: [UInt8], createdAt: Timestamp, rotatedAt: Timestamp? = nil) {
        self.masterKeyID = masterKeyID
        self.wrappedDataKey = wrappedDataKey
        self.createdAt = createdAt
        self.rotatedAt = rotatedAt
    }
}

/// One row of the audit table: who did what to which path, when. Never a value.
public struct AuditRecord: Sendable, Hashable {
    /// The kinds of audited action.
    public enum Action: String, Sendable {
        case initialize = "init"
        case put
        case delete
        case reveal
        case rotateMaster = "rotate-master"
    }

    public var at: Timestamp
    public var actor: VaultActor
    public var action: Action
    public var path: String?
    public var version: Int?

    /// Creates a record.
    public init(at: Timestamp, actor: VaultActor, action: Action, path: String?, version: Int?) {
        self.at = at
        self.actor = actor
        self.action = action
        self.path = path
        self.version = version
    }
}
