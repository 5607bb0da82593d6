import GatehouseCore

extension OKITSimulator {
    /// What the simulated OKIT Accounting knows: applications (by application prefix), the
    /// clients booked on each (by client prefix) with the tokens issued to them, and the
    /// validator's starting ``Mode``.
    ///
    /// ```yaml
    /// applications:
    ///   SMSAPP:                       # application prefix
    ///     clients:
    ///       BlaBla:                   # client prefix
    ///         tokens: [DEMO-ONLY-okit-token-BlaBla]
    /// latency_ms: 0                   # optional: the starting mode
    /// failure: none                   # none | server_error | garbage | redirect | wrong_shape
    /// ```
    public struct Configuration: Sendable, Equatable {
        /// Application prefix → client prefix → tokens.
        public var applications: [String: [String: [String]]]
        /// How the validator behaves at start.
        public var mode: Mode

        /// Creates a configuration.
        public init(applications: [String: [String: [String]]], mode: Mode = Mode()) {
            self.applications = applications
            self.mode = mode
        }

        /// The built-in demo data used when no `--config` is given: application `SMSAPP` (the
        /// seed's SMS API app) with client `BlaBla`, and a second application `MAILAPP` so that a
        /// token for one application visibly fails for another. Demo-only tokens.
        public static let demoText = """
            # Built-in demo data of `gatehouse simulate okit` (demo-only tokens, loopback only).
            applications:
              SMSAPP:
                clients:
                  BlaBla:
                    tokens: [DEMO-ONLY-okit-token-BlaBla]
              MAILAPP:
                clients:
                  BlaBla:
                    tokens: [DEMO-ONLY-okit-token-BlaBla-mail]
            """

        /// ``demoText``, parsed.
        public static var demo: Configuration {
            do {
                return try Configuration(text: Self.demoText, file: "<built-in okit demo>")
            } catch {
                preconditionFailure("the built-in OKIT demo configuration is invalid: \(error)")
            }
        }

        /// Parses a configuration file; problems are `file:line: key.path: message`.
        public init(text: String, file: String) throws(ConfigError) {
            var map = try ConfigParser.parse(text, file: file).map()
            var applications: [String: [String: [String]]] = [:]
            let applicationsNode = try map.required("applications")
            for application in try applicationsNode.map().allEntries {
                var applicationMap = try application.value.map()
                var clients: [String: [String]] = [:]
                if let clientsNode = applicationMap.node("clients") {
                    for client in try clientsNode.map().allEntries {
                        var clientMap = try client.value.map()
                        clients[client.key] = try clientMap.stringList("tokens") ?? []
                        try clientMap.finish()
                    }
                }
                _ = try applicationMap.string("name")
                try applicationMap.finish()
                applications[application.key] = clients
            }
            var mode = Mode()
            if let latency = try map.int("latency_ms", in: 0...600_000) { mode.latencyMilliseconds = latency }
            if let failure = try map.choice("failure", in: Failure.allCases.map(\.rawValue)) {
                mode.failure = Failure(rawValue: failure) ?? .none
            }
            if let status = try map.int("status", in: 100...599) { mode.status = status }
            if let target = try map.string("redirect_to") { mode.redirectTo = target }
            try map.finish()
            self.init(applications: applications, mode: mode)
        }
    }
}
