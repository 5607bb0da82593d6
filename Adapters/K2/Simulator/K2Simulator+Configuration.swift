import GatehouseCore

extension K2Simulator {
    /// What `gatehouse simulate k2 --config FILE` reads (all keys optional):
    /// ```yaml
    /// base_path: /restservice
    /// user_prefix: AN          # users AN1..ANn, n = threads (K2.INI AS3USER / AS3USERS)
    /// password: ANPassword     # AS3PASSWORD, shared by all of them
    /// threads: 5               # licensed API threads: more requests at once are refused
    /// xauth_decode: false      # x-auth hashes the URL as sent (true: percent-decoded first)
    /// parts: 300               # records of class Part
    /// like_hash: contains      # LIKE# adds a wildcard before the value (starts_with: LIKE# matches at the beginning)
    /// ```
    public struct Configuration: Sendable {
        public var basePath = "/restservice"
        public var userPrefix = "AN"
        public var password = "ANPassword"
        public var threads = 5
        public var xAuthDecode = false
        public var parts = 300
        /// `contains` or `starts_with`: how `LIKE#` is read (the adapter's `like_hash`).
        public var likeHash = "contains"

        /// The demo defaults (AN1..AN5 / ANPassword).
        public init() {}

        /// Parses a configuration file; mistakes read `file:line: key: message`.
        public init(text: String, file: String) throws(ConfigError) {
            let root = try ConfigParser.parse(text, file: file)
            var map = try root.map()
            if let value = try map.string("base_path") {
                self.basePath = value.hasSuffix("/") ? String(value.dropLast()) : value
            }
            if let value = try map.string("user_prefix") { self.userPrefix = value }
            if let value = try map.string("password") { self.password = value }
            if let value = try map.int("threads", in: 1...1000) { self.threads = value }
            if let value = try map.bool("xauth_decode") { self.xAuthDecode = value }
            if let value = try map.int("parts", in: 1...100_000) { self.parts = value }
            if let value = try map.choice("like_hash", in: ["contains", "starts_with"]) { self.likeHash = value }
            try map.finish()
        }

        /// Whether `user` is one of the anonymous API users (prefix + 1...threads).
        func isUser(_ user: String) -> Bool {
            guard user.hasPrefix(self.userPrefix), let n = Int(user.dropFirst(self.userPrefix.count)) else {
                return false
            }
            return (1...self.threads).contains(n)
        }
    }
}
