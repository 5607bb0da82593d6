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
    /// ```
    public struct Configuration: Sendable, Equatable {
        /// Company reported in launch data when start-up data names none.
        public var company = "OL3_Dev"
        /// Host name → web hook URL (nil: none configured).
        public var hosts: [String: String?] = [:]
        public var pastWindowSeconds: Int64 = 300
        public var futureWindowSeconds: Int64 = 5

        /// Creates a configuration.
        public init(company: String = "OL3_Dev", hosts: [String: String?], pastWindowSeconds: Int64 = 300, futureWindowSeconds: Int64 = 5) {
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
              Dev: { web_hook_url: "http://127.0.0.1:8080/hooks/keyfax-demo/keyfax-keys/DEMO-ONLY-keyfax-hook-secret-0123456789" }
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
            if let future = try map.int("future_window_seconds", in: 0...86_400) { self.futureWindowSeconds = Int64(future) }
            try map.finish()
        }
    }
}
