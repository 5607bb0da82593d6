import GatehouseCore

extension KeyfaxSimulator {
    /// What the simulated Keyfax server is configured with, like kfServerConfig.xml's
    /// `WebApi/KeyGen` entries: the host names it knows and where new keys are posted.
    ///
    /// ```yaml
    /// company: OL3_Dev
    /// hosts:
    ///   Dev: { web_hook_url: "http://127.0.0.1:8080/hooks/keyfax-demo/keyfax-keys/SECRET" }
    ///   Other: {}                       # no web hook: POST /api/v1/key answers 500
    /// past_window_seconds: 300          # timestamps accepted this far in the past
    /// future_window_seconds: 5          # ... and this far in the future
    /// token_lifetime_seconds: 86400     # JWT lifetime (seed 000: 24 hours)
    /// signing:                          # the recipe a real server may use (the adapter's knobs)
    ///   fields: [identity, method, url, timestamp, nonce, body]
    ///   identity: api_key               # or host_name
    ///   hash: sha256                    # or sha512
    ///   body_digest: md5                # or none
    ///   url_case: lower                 # or as_sent
    ///   url_encoding: dotnet            # or none
    ///   url_form: absolute              # or path_and_query
    ///   signing_key: base64             # or text
    /// ```
    /// A host named `Default` stands in for host names it does not know (kfServerConfig.xml's
    /// "The default host is used if the host name supplied with an API request was not found").
    public struct Configuration: Sendable, Equatable {
        /// How the server recomputes a Basic signature (the adapter's recipe by default, Adapters/Keyfax/README.md).
        public struct Signing: Sendable, Equatable {
            public var fields = ["identity", "method", "url", "timestamp", "nonce", "body"]
            public var identity = "api_key"
            public var hash = "sha256"
            public var bodyDigest = "md5"
            public var urlCase = "lower"
            public var urlEncoding = "dotnet"
            public var urlForm = "absolute"
            public var signingKey = "base64"

            /// The default recipe.
            public init() {}
        }

        /// Company reported in launch data when start-up data names none.
        public var company = "OL3_Dev"
        /// Host name → web hook URL (nil: none configured).
        public var hosts: [String: String?] = [:]
        public var pastWindowSeconds: Int64 = 300
        public var futureWindowSeconds: Int64 = 5
        /// The Basic signature recipe it verifies.
        public var signing = Signing()
        /// How long a JWT it issues lives (seed 000: 24 hours; shorter in tests of renewal).
        public var tokenLifetimeSeconds: Int64 = 86_400

        /// Creates a configuration.
        public init(
            company: String = "OL3_Dev", hosts: [String: String?], pastWindowSeconds: Int64 = 300,
            futureWindowSeconds: Int64 = 5
        ) {
            self.company = company
            self.hosts = hosts
            self.pastWindowSeconds = pastWindowSeconds
            self.futureWindowSeconds = futureWindowSeconds
        }

        /// Built-in demo data when no `--config` is given: host `Dev`, whose web hook is the
        /// demo gateway's `keyfax-demo` hook.
        public static let demoText = """
            # Built-in demo data of `gatehouse simulate keyfax` (loopback only).
            company: OL3_Dev
            hosts:
              Dev: { web_hook_url: \
            "http://127.0.0.1:8080/hooks/keyfax-demo/keyfax-keys/DEMO-ONLY-keyfax-hook-secret-0123456789" }
            """

        /// ``demoText``, parsed.
        public static var demo: Configuration {
            do {
                return try Configuration(text: Self.demoText, file: "<built-in keyfax demo>")
            } catch {
                preconditionFailure("the built-in Keyfax demo configuration is invalid: \(error)")
            }
        }

        /// Parses a configuration file; problems are `file:line: key.path: message`.
        public init(text: String, file: String) throws(ConfigError) {
            var map = try ConfigParser.parse(text, file: file).map()
            if let company = try map.string("company") { self.company = company }
            let hostsNode = try map.required("hosts")
            for entry in try hostsNode.map().allEntries {
                var host = try entry.value.map()
                let url = try host.string("web_hook_url")
                if let url, BaseURL(url) == nil {
                    throw host.node("web_hook_url")!.error("\"\(url)\" is not an absolute http(s) URL")
                }
                try host.finish()
                self.hosts[entry.key] = .some(url)
            }
            guard !self.hosts.isEmpty else { throw hostsNode.error("at least one host is needed") }
            if let past = try map.int("past_window_seconds", in: 1...86_400) { self.pastWindowSeconds = Int64(past) }
            if let future = try map.int("future_window_seconds", in: 0...86_400) {
                self.futureWindowSeconds = Int64(future)
            }
            if let lifetime = try map.int("token_lifetime_seconds", in: 60...86_400) {
                self.tokenLifetimeSeconds = Int64(lifetime)
            }
            if let node = map.node("signing") {
                var signing = try node.map()
                if let fields = try signing.stringList("fields") {
                    let all = ["identity", "method", "url", "timestamp", "nonce", "body"]
                    guard fields.sorted() == all.sorted() else {
                        throw signing.node("fields")!.error("fields lists each of \(all.joined(separator: ", ")) once")
                    }
                    self.signing.fields = fields
                }
                if let v = try signing.choice("identity", in: ["api_key", "host_name"]) { self.signing.identity = v }
                if let v = try signing.choice("hash", in: ["sha256", "sha512"]) { self.signing.hash = v }
                if let v = try signing.choice("body_digest", in: ["md5", "none"]) { self.signing.bodyDigest = v }
                if let v = try signing.choice("url_case", in: ["lower", "as_sent"]) { self.signing.urlCase = v }
                if let v = try signing.choice("url_encoding", in: ["dotnet", "none"]) { self.signing.urlEncoding = v }
                if let v = try signing.choice("url_form", in: ["absolute", "path_and_query"]) {
                    self.signing.urlForm = v
                }
                if let v = try signing.choice("signing_key", in: ["base64", "text"]) { self.signing.signingKey = v }
                try signing.finish()
            }
            try map.finish()
        }
    }
}
