import GatehouseCrypto

extension GatewayConfiguration {
    /// Connection and client names: letters, digits, `-`, `_`, `.`; they appear in URLs and vault paths.
    static func validName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64
            && name.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            }
    }

    /// Parses and validates a configuration. `adapterKinds` are the known adapter names.
    public static func load(text: String, file: String, adapterKinds: [String]) throws(ConfigError)
        -> GatewayConfiguration
    {
        let root = try ConfigParser.parse(text, file: file)
        var map = try root.map()
        var config = GatewayConfiguration(file: file)
        if let server = map.node("server") { config.server = try self.server(server) }
        if let vault = map.node("vault") { config.vault = try self.vault(vault) }
        if let admin = map.node("admin") { config.admin = try self.admin(admin, server: config.server) }
        if let alerts = map.node("alerts") { config.alerts = try self.alerts(alerts) }
        if let connections = map.node("connections") {
            for entry in try connections.map().allEntries {
                config.connections.append(try self.connection(entry, adapterKinds: adapterKinds))
            }
        }
        if let clients = map.node("clients") {
            for entry in try clients.map().allEntries {
                config.clients.append(try self.client(entry, connections: config.connections, earlier: config.clients))
            }
        }
        try map.finish()
        return config
    }

    private static func server(_ node: ConfigNode) throws(ConfigError) -> Server {
        var map = try node.map()
        var server = Server()
        if let host = try map.string("host") { server.host = host }
        if let port = try map.int("port", in: 0...65535) { server.port = port }
        if let max = try map.int("max_body_bytes", in: 1...(1 << 40)) { server.maxBodyBytes = max }
        if let max = try map.int("max_operation_body_bytes", in: 1...(1 << 40)) { server.maxOperationBodyBytes = max }
        if let mode = try map.choice("forwarded_headers", in: Server.ForwardedHeaders.allCases.map(\.rawValue)) {
            server.forwardedHeaders = Server.ForwardedHeaders(rawValue: mode) ?? .set
        }
        if let grace = try map.int("shutdown_grace_seconds", in: 0...3600) { server.shutdownGraceSeconds = grace }
        if let value = try map.int("max_connections", in: 1...1_000_000) { server.maxConnections = value }
        if let value = try map.int("listen_backlog", in: 1...65_535) { server.listenBacklog = value }
        if let value = try map.int("idle_timeout_seconds", in: 1...86_400) { server.idleTimeoutSeconds = value }
        if let value = try map.int("request_head_timeout_seconds", in: 1...3_600) {
            server.requestHeadTimeoutSeconds = value
        }
        if let value = try map.int("max_request_head_bytes", in: 1_024...(1 << 20)) {
            server.maxRequestHeadBytes = value
        }
        if let level = try map.choice("log_level", in: ["trace", "debug", "info", "notice", "warning", "error"]) {
            server.logLevel = level
        }
        if let format = try map.choice("log_format", in: ["logfmt", "json"]) { server.logFormat = format }
        if let tls = map.node("tls") { server.tls = try self.listenerTLS(tls) }
        try map.finish()
        return server
    }

    /// `admin: { token, host, port, tls }`: the admin listener beside the data plane.
    private static func admin(_ node: ConfigNode, server: Server) throws(ConfigError) -> Admin {
        var map = try node.map()
        let tokenNode = try map.required("token")
        var admin = Admin(token: try ConfigMap.reference(tokenNode), node: tokenNode)
        if let host = try map.string("host") { admin.host = host }
        if let port = try map.int("port", in: 0...65535) {
            // Port 0 picks a free port, so two zeros never collide.
            if port != 0, port == server.port {
                throw map.node("port")!.error(
                    "the admin listener needs its own port (server.port is \(server.port) too)")
            }
            admin.port = port
        } else if server.port == admin.port {
            throw node.error("the admin listener's default port \(admin.port) is server.port too: set admin.port")
        }
        if let tls = map.node("tls") { admin.tls = try self.listenerTLS(tls) }
        try map.finish()
        return admin
    }

    private static func vault(_ node: ConfigNode) throws(ConfigError) -> VaultSettings {
        var map = try node.map()
        var vault = VaultSettings()
        vault.configured = true
        if let backend = try map.choice("backend", in: ["sqlite", "postgres"]) { vault.backend = backend }
        if let path = try map.string("path") {
            guard !path.isEmpty else { throw map.node("path")!.error("expected a file path") }
            guard vault.backend == "sqlite" else {
                throw map.node("path")!.error("path is for backend: sqlite; postgres takes url")
            }
            vault.path = path
        }
        if let urlNode = map.node("url") {
            guard vault.backend == "postgres" else {
                throw urlNode.error("url is for backend: postgres; sqlite takes path")
            }
            // The URL carries a password, so it never sits in the file: only where to find it.
            guard case .environment(let name) = try ConfigMap.reference(urlNode) else {
                throw urlNode.error(
                    "expected env:NAME holding a postgres:// URL (it carries a password, so never the URL itself)")
            }
            vault.urlVariable = name
            vault.urlNode = urlNode
        } else if vault.backend == "postgres" {
            throw map.node("backend")!.error(
                "backend: postgres needs url: env:NAME (a postgres://user:password@host:port/db URL)")
        }
        if let lease = try map.int("lease_seconds", in: 2...3600) { vault.leaseSeconds = lease }
        if let poll = try map.int("poll_seconds", in: 1...3600) { vault.pollSeconds = poll }
        if let keyNode = map.node("master_key") {
            let text = try keyNode.scalar(expecting: "env:NAME or file:PATH")
            if text.hasPrefix("file:"), text.count > 5 {
                vault.masterKey = .file(String(text.dropFirst(5)))
            } else if case .environment(let name) = SecretReference(parsing: text) {
                vault.masterKey = .environment(name)
            } else {
                throw keyNode.error("expected env:NAME or file:PATH (the key itself never goes in config)")
            }
        }
        if let keep = try map.int("keep_versions", in: 1...1000) { vault.keepVersions = keep }
        try map.finish()
        return vault
    }

    private static func connection(_ entry: ConfigNode.Entry, adapterKinds: [String]) throws(ConfigError) -> Connection
    {
        let node = entry.value
        guard self.validName(entry.key) else {
            throw node.error("connection names may use letters, digits, '-', '_' and '.' (at most 64)")
        }
        var map = try node.map()
        let adapterNode = try map.required("adapter")
        let adapter = try adapterNode.scalar(expecting: "an adapter name")
        guard adapterKinds.contains(adapter) else {
            throw adapterNode.error("unknown adapter \"\(adapter)\" (known: \(adapterKinds.joined(separator: ", ")))")
        }
        let urlNode = try map.required("base_url")
        let urlText = try urlNode.scalar(expecting: "a URL")
        guard let baseURL = BaseURL(urlText) else {
            throw urlNode.error(
                "\"\(urlText)\" is not an absolute http:// or https:// URL without user info or fragment")
        }
        var credentials: [(name: String, reference: SecretReference, node: ConfigNode)] = []
        if let credentialNode = map.node("credentials") {
            for credential in try credentialNode.map().allEntries {
                credentials.append((credential.key, try ConfigMap.reference(credential.value), credential.value))
            }
        }
        var transport = TransportOptions()
        if let timeout = try map.int("timeout_ms", in: 1...3_600_000) { transport.timeoutMilliseconds = timeout }
        if let connect = try map.int("connect_timeout_ms", in: 1...600_000) {
            transport.connectTimeoutMilliseconds = connect
        }
        if let headers = try map.int("max_response_headers", in: 1...10_000) { transport.maxResponseHeaders = headers }
        if let bytes = try map.int("max_response_header_bytes", in: 1_024...(16 << 20)) {
            transport.maxResponseHeaderBytes = bytes
        }
        transport.caFile = try map.string("ca_file")
        if let mode = try map.choice("ca_mode", in: CAMode.allCases.map(\.rawValue)) {
            guard transport.caFile != nil else { throw map.node("ca_mode")!.error("ca_mode needs ca_file") }
            transport.caMode = CAMode(rawValue: mode) ?? .add
        }
        if let version = try map.choice("tls_min_version", in: TLSVersion.allCases.map(\.rawValue)) {
            transport.tlsMinimumVersion = TLSVersion(rawValue: version) ?? .v1_2
        }
        if let proxy = try map.string("proxy") {
            guard BaseURL(proxy) != nil else {
                throw map.node("proxy")!.error("\"\(proxy)\" is not an http(s) proxy URL")
            }
            transport.proxy = proxy
        }
        let clientCertificate = try map.node("client_certificate").map { node throws(ConfigError) in
            try self.clientCertificate(node)
        }
        let proxyCredentials = try map.node("proxy_credentials").map { node throws(ConfigError) in
            try self.proxyCredentials(node)
        }
        if proxyCredentials != nil, transport.proxy == nil {
            throw map.node("proxy_credentials")!.error("proxy_credentials needs proxy")
        }
        let follow = try map.bool("follow_redirects") ?? false
        let maxResponse = try map.int("max_response_bytes", in: 1...(1 << 40)) ?? 16 << 20
        let limits = try self.limits(&map)
        let options = map.node("options")
        try map.finish()
        return Connection(
            name: entry.key,
            adapter: adapter,
            baseURL: baseURL,
            credentials: credentials,
            options: options,
            transport: transport,
            followRedirects: follow,
            maxResponseBytes: maxResponse,
            limits: limits,
            node: node,
            clientCertificate: clientCertificate,
            proxyCredentials: proxyCredentials
        )
    }

    /// A connection's `rate_limit`, `max_in_flight`, `max_queue`, `queue_timeout_ms` and `circuit_breaker`.
    private static func limits(_ map: inout ConfigMap) throws(ConfigError) -> ConnectionLimits {
        var limits = ConnectionLimits()
        limits.rateLimit = try self.rateLimit(&map)
        limits.maxInFlight = try map.int("max_in_flight", in: 1...100_000)
        limits.maxQueue = try map.int("max_queue", in: 0...100_000)
        limits.queueTimeoutMilliseconds = try map.int("queue_timeout_ms", in: 1...600_000)
        if let node = map.node("circuit_breaker") {
            var breaker = try node.map()
            var policy = CircuitBreakerPolicy()
            if let value = try breaker.int("failures", in: 1...10_000) { policy.failures = value }
            if let value = try breaker.int("window_seconds", in: 1...86_400) { policy.windowSeconds = value }
            if let value = try breaker.int("open_seconds", in: 1...86_400) { policy.openSeconds = value }
            try breaker.finish()
            limits.circuitBreaker = policy
        }
        return limits
    }

    /// `rate_limit: { requests_per_second: R, burst: B }` (burst defaults to R rounded up, at least 1).
    static func rateLimit(_ map: inout ConfigMap) throws(ConfigError) -> RateLimitPolicy? {
        guard let node = map.node("rate_limit") else { return nil }
        var limit = try node.map()
        _ = try limit.required("requests_per_second")
        let rate = try limit.decimal("requests_per_second", in: 0.001...1_000_000) ?? 1
        let burst = try limit.int("burst", in: 1...1_000_000) ?? Swift.max(1, Int(rate.rounded(.up)))
        try limit.finish()
        return RateLimitPolicy(requestsPerSecond: rate, burst: burst)
    }

    private static func client(_ entry: ConfigNode.Entry, connections: [Connection], earlier: [Client])
        throws(ConfigError) -> Client
    {
        let node = entry.value
        guard self.validName(entry.key) else {
            throw node.error("client names may use letters, digits, '-', '_' and '.' (at most 64)")
        }
        var map = try node.map()
        let kind = try map.choice("authenticator", in: ["api_key", "token", "okit"]) ?? "api_key"
        let authenticator: Client.Authenticator
        if kind != "api_key" {
            // `okit` is the first spelling of `token`, naming its validator `okit_connection`.
            let key = kind == "okit" ? "okit_connection" : "validator"
            authenticator = try self.tokenAuthenticator(
                &map, validatorKey: key, connections: connections, earlier: earlier)
        } else {
            let hashNode = try map.required("key_sha256")
            let hashText = try hashNode.scalar(expecting: "64 lowercase hex digits")
            guard hashText.count == 64, let hash = Hex.decode(hashText), hashText == hashText.lowercased() else {
                throw hashNode.error(
                    "expected the lowercase hex SHA-256 of the key (64 digits); `gatehouse clients add` prints it")
            }
            authenticator = .apiKey(sha256: hash)
        }
        let connectionsNode = try map.required("connections")
        let names = try map.stringList("connections") ?? []
        for (index, name) in names.enumerated() where !connections.contains(where: { $0.name == name }) {
            let element = (try? connectionsNode.list())?[index] ?? connectionsNode
            throw element.error("unknown connection \"\(name)\"")
        }
        let rateLimit = try self.rateLimit(&map)
        try map.finish()
        return Client(
            name: entry.key, authenticator: authenticator, connections: names, rateLimit: rateLimit, line: node.line)
    }
}
