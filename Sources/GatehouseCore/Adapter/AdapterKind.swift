import HTTPTypes
import Logging

/// How to build an adapter of one kind from a validated connection entry. The executable holds
/// the one explicit list of built-in kinds.
///
/// ```swift
/// public static let kind = AdapterKind(name: "http") { setup in try HTTPAdapter(setup: setup) }
/// ```
public struct AdapterKind: Sendable {
    /// The name used as `adapter:` in config.
    public let name: String
    /// Builds the adapter, validating `options` and credentials (throwing ``ConfigError``).
    public let make: @Sendable (AdapterSetup) throws -> any Adapter
    /// The bulkhead a connection of this kind gets when it sets none of `max_in_flight`,
    /// `max_queue`, `queue_timeout_ms` itself, read from its `options` (K2: its licensed
    /// threads, `max_concurrency`). Unlimited unless the kind says otherwise.
    public let bulkheadDefaults: @Sendable (ConfigNode?) throws -> BulkheadPolicy
    /// For a kind whose adapters are ``TokenValidator``s: the inbound header in which a caller
    /// names itself to the validator (OKIT: `X-Client-Prefix`). The gateway reads it for
    /// `authenticator: token` clients and, like `Authorization`, never forwards it upstream, on
    /// any connection.
    public let clientPrefixHeader: HTTPField.Name?

    /// Creates a kind.
    public init(
        name: String,
        clientPrefixHeader: HTTPField.Name? = nil,
        bulkheadDefaults: @escaping @Sendable (ConfigNode?) throws -> BulkheadPolicy = { _ in BulkheadPolicy() },
        make: @escaping @Sendable (AdapterSetup) throws -> any Adapter
    ) {
        self.name = name
        self.clientPrefixHeader = clientPrefixHeader
        self.bulkheadDefaults = bulkheadDefaults
        self.make = make
    }
}

/// Everything an adapter is built from.
public struct AdapterSetup: Sendable {
    /// The validated connection entry.
    public let connection: GatewayConfiguration.Connection
    /// Signs-and-sends helper bound to this connection's origin, transport and credentials.
    public let client: UpstreamClient
    /// The connection's credentials.
    public let credentials: Credentials
    /// For the adapter's own log lines (carries the connection name); never log a secret.
    public let logger: Logger
    /// The credential vault, for adapters that obtain and store tokens (writes use source
    /// `.oauth`); `nil` when the configuration has no `vault:` section.
    public let vault: Vault?
    /// Where the adapter reports its credential health (untouched: `ok`).
    public let health: ConnectionHealth
    /// Whether the configuration has a `vault:` section (true with a `nil` ``vault`` only when
    /// the configuration is checked without being served).
    public let vaultConfigured: Bool
    /// The inbound headers adapter kinds read as caller credentials
    /// (``AdapterRegistry/inboundCredentialHeaders``), for adapters that forward headers a
    /// caller gives them: pass it to ``HeaderPolicy/upstreamHeaders(from:credentialHeaders:)``.
    public let inboundCredentialHeaders: Set<String>

    /// Creates a setup.
    public init(
        connection: GatewayConfiguration.Connection,
        client: UpstreamClient,
        credentials: Credentials,
        logger: Logger = Logger(label: "gatehouse"),
        vault: Vault? = nil,
        vaultConfigured: Bool? = nil,
        health: ConnectionHealth = ConnectionHealth(),
        inboundCredentialHeaders: Set<String> = []
    ) {
        self.vaultConfigured = vaultConfigured ?? (vault != nil)
        self.inboundCredentialHeaders = inboundCredentialHeaders
        self.connection = connection
        self.client = client
        self.credentials = credentials
        self.logger = logger
        self.vault = vault
        self.health = health
    }

    /// Fails with the connection's `file:line` unless the configuration has a vault.
    public func requireVault(because reason: String) throws(ConfigError) {
        guard self.vaultConfigured else {
            throw self.connection.node.error(
                "\(reason) needs the credential vault: add a vault: section to the configuration")
        }
    }

    /// The options mapping (empty when absent), for reading with ``ConfigMap``.
    public func options() throws(ConfigError) -> ConfigMap {
        if let options = self.connection.options { return try options.map() }
        return try ConfigNode(
            kind: .null,
            file: self.connection.node.file,
            line: self.connection.node.line,
            path: self.connection.node.path + ".options"
        ).map()
    }

    /// Fails unless the connection declares every credential in `names`.
    public func requireCredentials(_ names: [String]) throws(ConfigError) {
        for name in names where !self.connection.credentials.contains(where: { $0.name == name }) {
            throw self.connection.node.error("credentials.\(name) is required by adapter \(self.connection.adapter)")
        }
    }
}

/// Looks adapter kinds up by name.
public struct AdapterRegistry: Sendable {
    private let kinds: [AdapterKind]

    /// Creates a registry over `kinds`; names must be unique.
    public init(_ kinds: [AdapterKind]) {
        precondition(Set(kinds.map(\.name)).count == kinds.count, "duplicate adapter kind")
        self.kinds = kinds
    }

    /// The registered names.
    public var names: [String] { self.kinds.map(\.name) }

    /// The kind named `name`.
    public func kind(named name: String) -> AdapterKind? { self.kinds.first { $0.name == name } }

    /// The inbound headers the kinds read as caller credentials besides `Authorization`
    /// (their ``AdapterKind/clientPrefixHeader``s), lowercased: dropped from everything forwarded.
    public var inboundCredentialHeaders: Set<String> {
        Set(self.kinds.compactMap { $0.clientPrefixHeader?.canonicalName })
    }
}
