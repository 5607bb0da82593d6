/// The whole gateway configuration, validated. Built by ``GatewayConfiguration/load(text:file:)``.
public struct GatewayConfiguration: Sendable {
    /// Inbound HTTP server settings (`server:`).
    public struct Server: Sendable {
        public var host = "127.0.0.1"
        public var port = 8080
        /// Largest inbound request body accepted.
        public var maxBodyBytes = 52_428_800
        /// How long in-flight requests may run after SIGTERM/SIGINT before they are cut.
        public var shutdownGraceSeconds = 20
        /// `trace`, `debug`, `info`, `notice`, `warning`, `error`.
        public var logLevel = "info"
        public init() {}
    }

    /// A caller allowed in (`clients:` entry).
    public struct Client: Sendable {
        /// How the client proves who it is (`authenticator:`).
        public enum Authenticator: Sendable {
            /// `api_key` (default): a gateway-issued key, matched by its SHA-256.
            case apiKey(sha256: [UInt8])
            /// `okit`: a token vouched for by the OKIT connection `connection`, presented with
            /// one of `clientPrefixes` in `X-Client-Prefix`.
            case okit(connection: String, clientPrefixes: [String])
        }
        public var name: String
        public var authenticator: Authenticator
        /// Connection names this client may call.
        public var connections: [String]
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
        /// The node of the entry, for adapter errors.
        public var node: ConfigNode
    }

    public var file: String
    public var server = Server()
    public var clients: [Client] = []
    public var connections: [Connection] = []

    /// The connection named `name`.
    public func connection(named name: String) -> Connection? {
        self.connections.first { $0.name == name }
    }
}
