/// The whole gateway configuration, validated. Built by ``GatewayConfiguration/load(text:file:)``.
public struct GatewayConfiguration: Sendable {
    /// Inbound HTTP server settings (`server:`).
    public struct Server: Sendable {
        public var host = "127.0.0.1"
        public var port = 8080
        /// What `X-Forwarded-For` / `X-Forwarded-Proto` the gateway sends upstream
        /// (`server.forwarded_headers`). The caller's own forwarding headers are dropped either way.
        public enum ForwardedHeaders: String, Sendable, CaseIterable {
            /// The gateway states the caller's address and `http` (the default).
            case set
            /// None are sent.
            case drop
        }

        /// Largest inbound request body accepted (streamed proxy bodies, and bodies adapters
        /// buffer to sign or translate).
        public var maxBodyBytes = 52_428_800
        /// Largest operation (`POST /v1/...`) body accepted: operation arguments are read
        /// whole and parsed into a tree, so they get their own, smaller cap.
        public var maxOperationBodyBytes = 1_048_576
        /// `server.forwarded_headers`.
        public var forwardedHeaders = ForwardedHeaders.set
        /// Open inbound connections at most (`max_connections`); more are closed at once.
        public var maxConnections = 4096
        /// Connections the kernel may hold, handshaken, before the gateway accepts them
        /// (`listen_backlog`); beyond it new connections' SYNs are dropped and retried a second later.
        public var listenBacklog = 1024
        /// An inbound connection with no request under way is closed after this (`idle_timeout_seconds`).
        public var idleTimeoutSeconds = 60
        /// A request line and headers must arrive within this once their first byte has
        /// (`request_head_timeout_seconds`), else the connection is closed.
        public var requestHeadTimeoutSeconds = 10
        /// Largest request line plus headers (`max_request_head_bytes`); larger → 431.
        public var maxRequestHeadBytes = 32 * 1024
        /// How long in-flight requests may run after SIGTERM/SIGINT before they are cut.
        public var shutdownGraceSeconds = 20
        /// `trace`, `debug`, `info`, `notice`, `warning`, `error`.
        public var logLevel = "info"
        /// `logfmt` (the default) or `json`: one JSON object a line with the same fields.
        public var logFormat = "logfmt"
        /// `server.tls`: serve HTTPS (TLS 1.2+) instead of plain HTTP.
        public var tls: ListenerTLS?
        public init() {}
    }

    /// A caller allowed in (`clients:` entry).
    public struct Client: Sendable {
        /// How the client proves who it is (`authenticator:`).
        public enum Authenticator: Sendable {
            /// `api_key` (default): a gateway-issued key, matched by its SHA-256.
            case apiKey(sha256: [UInt8])
            /// `token`: a bearer token vouched for by the connection `validator` (whose adapter is
            /// a ``TokenValidator``), presented with one of `clientPrefixes` in the header its
            /// adapter kind declares (``AdapterKind/clientPrefixHeader``). `key` is the file's key
            /// that named the validator (`validator`, or `okit_connection` in the `okit` spelling).
            case token(validator: String, clientPrefixes: [String], key: String)
        }
        public var name: String
        public var authenticator: Authenticator
        /// Connection names this client may call.
        public var connections: [String]
        /// `rate_limit`, per caller, off when absent.
        public var rateLimit: RateLimitPolicy? = nil
        /// Line of the entry, for messages.
        public var line: Int?
    }

    /// One configured upstream (`connections:` entry).
    public struct Connection: Sendable {
        public var name: String
        /// Adapter kind, e.g. `http`.
        public var adapter: String
        public var baseURL: BaseURL
        /// Credential name → reference, in config order.
        public var credentials: [(name: String, reference: SecretReference, node: ConfigNode)]
        /// Adapter-specific options, validated by the adapter.
        public var options: ConfigNode?
        public var transport: TransportOptions
        /// Whether upstream redirects are followed (never with credentials to another origin).
        public var followRedirects: Bool
        /// Cap for bodies Gatehouse must buffer to translate.
        public var maxResponseBytes: Int
        /// Rate limit, bulkhead and circuit breaker keys.
        public var limits = ConnectionLimits()
        /// The node of the entry, for adapter errors.
        public var node: ConfigNode
        /// `client_certificate`: presented to the upstream's origin in the TLS handshake.
        public var clientCertificate: ClientCertificateSettings? = nil
        /// `proxy_credentials`: the login for `proxy`.
        public var proxyCredentials: ProxyCredentialSettings? = nil
    }

    /// The credential vault (`vault:`).
    public struct VaultSettings: Sendable {
        /// Where the master key comes from.
        public enum MasterKeySource: Sendable, Hashable, CustomStringConvertible {
            /// An environment variable holding base64 of 32 bytes.
            case environment(String)
            /// A file holding base64 of 32 bytes, mode 0600 or stricter.
            case file(String)

            public var description: String {
                switch self {
                case .environment(let name): "env:\(name)"
                case .file(let path): "file:\(path)"
                }
            }
        }

        /// `sqlite` (embedded, one instance or several processes on one file) or `postgres`
        /// (several instances sharing one database).
        public var backend = "sqlite"
        /// The SQLite file, relative to the working directory.
        public var path = ".gatehouse/vault.db"
        /// The PostgreSQL URL's environment variable (`url: env:NAME`), for `backend: postgres`.
        public var urlVariable: String?
        /// The config line of `url:` (or of `backend:`), for messages about the URL's value.
        public var urlNode: ConfigNode?
        /// How long a credential renewal lease lasts before another instance may take it over.
        public var leaseSeconds = 15
        /// How often the store is polled for changes another instance made, beside notifications
        /// (`LISTEN`/`NOTIFY` on PostgreSQL); SQLite is polled every second.
        public var pollSeconds = 10
        public var masterKey = MasterKeySource.environment("GATEHOUSE_MASTER_KEY")
        /// Versions kept per secret.
        public var keepVersions = 5
        /// Whether the file has a `vault:` section (else these are defaults).
        public var configured = false
        public init() {}
    }

    /// The admin listener (`admin:`): the admin API, `GET /oauth/{c}/start` and the console, on
    /// an address of its own apart from the data plane.
    public struct Admin: Sendable {
        /// The bearer token admin calls must present.
        public var token: SecretReference
        /// The node of `token`, for messages.
        public var node: ConfigNode
        /// Address the admin listener binds (loopback unless set).
        public var host = "127.0.0.1"
        /// Port of the admin listener (`serve --admin-port` overrides; 0 picks a free one).
        public var port = 8081
        /// `admin.tls`: serve the admin listener over HTTPS, as `server.tls` does the data plane.
        public var tls: ListenerTLS?

        /// An admin section with the default listener address.
        public init(token: SecretReference, node: ConfigNode) {
            self.token = token
            self.node = node
        }
    }

    public var file: String
    public var server = Server()
    public var vault = VaultSettings()
    public var admin: Admin?
    public var clients: [Client] = []
    public var connections: [Connection] = []
    /// `alerts:`: health events for the operator; `nil` without the section.
    public var alerts: Alerts?

    /// Whether serving needs the vault: a `vault:` section, or any `vault:` reference.
    public var usesVault: Bool {
        if self.vault.configured { return true }
        if case .vault = self.admin?.token { return true }
        if case .vault? = self.alerts?.webhook?.secret { return true }
        if self.transportReferences.contains(where: \.isVault) { return true }
        return self.connections.contains { connection in
            connection.credentials.contains { if case .vault = $0.reference { true } else { false } }
        }
    }

    /// The connection named `name`.
    public func connection(named name: String) -> Connection? {
        self.connections.first { $0.name == name }
    }
}
