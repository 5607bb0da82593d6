import GatehouseCore

extension OKITAdapter {
    /// The `options:` of an okit connection.
    public struct Configuration: Sendable, Equatable {
        /// The application prefix sent with every validation (`application_prefix`, required):
        /// Gatehouse configuration, never taken from a caller. One connection per application.
        public var applicationPrefix: String
        /// The query parameter carrying it (`application_prefix_parameter`). The real API spells
        /// it `applicaiontPrefix`, and that is the default.
        public var applicationPrefixParameter = "applicaiontPrefix"
        /// How long a `valid: true` answer is reused (`cache_seconds`, default 60; 0 turns it off).
        public var cacheLifetime: Duration = .seconds(60)
        /// How long a `valid: false` answer is reused (`negative_cache_seconds`, default 5).
        public var negativeCacheLifetime: Duration = .seconds(5)
        /// Most validations under way at once for callers (`max_pending`, default 64); callers
        /// beyond it get 503 `unavailable` at once, nothing is queued.
        public var maxPending = 64

        /// Creates a configuration with the defaults.
        public init(applicationPrefix: String) {
            self.applicationPrefix = applicationPrefix
        }

        /// Reads the options; unknown keys are left for the caller's `finish()`.
        init(options: inout ConfigMap) throws(ConfigError) {
            let prefixNode = try options.required("application_prefix")
            let prefix = try prefixNode.scalar(expecting: "the application prefix")
            guard (1...128).contains(prefix.utf8.count), prefix.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                throw prefixNode.error("an application prefix is 1 to 128 visible ASCII characters without spaces")
            }
            self.init(applicationPrefix: prefix)
            if let parameter = try options.string("application_prefix_parameter") {
                let allowed = parameter.utf8.allSatisfy { byte in
                    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                        || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
                        || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
                }
                guard !parameter.isEmpty, allowed, !["token", "clientPrefix"].contains(parameter) else {
                    throw options.node("application_prefix_parameter")!.error(
                        """
                        expected a query parameter name of letters, digits, '_', '-', '.' other than token and \
                        clientPrefix
                        """
                    )
                }
                self.applicationPrefixParameter = parameter
            }
            if let seconds = try options.int("cache_seconds", in: 0...86_400) { self.cacheLifetime = .seconds(seconds) }
            if let seconds = try options.int("negative_cache_seconds", in: 0...3_600) {
                self.negativeCacheLifetime = .seconds(seconds)
            }
            if let pending = try options.int("max_pending", in: 1...100_000) { self.maxPending = pending }
        }
    }
}
