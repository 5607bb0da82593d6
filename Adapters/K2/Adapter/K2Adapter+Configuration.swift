import GatehouseCore

extension K2Adapter {
    /// The validated `options:` of a k2 connection.
    public struct Configuration: Sendable {
        /// How requests are signed.
        public enum AuthMode: String, Sendable {
            /// `Authorization: {username}:{hash}` (the default).
            case header
            /// `x-auth={username}:{hash}` appended to the URL.
            case xAuth = "x-auth"
        }

        /// The upstream's wire format.
        public enum Format: String, Sendable {
            /// K2's JSON mode (the default).
            case json
            /// K2's XML mode: `/xml/` URLs, XML bodies with every value typed from the class's Meta.
            case xml
        }

        /// `format`: `json` (default) or `xml`, the representation spoken with K2.
        public var format = Format.json
        /// `auth`: `header` (default) or `x-auth`.
        public var auth = AuthMode.header
        /// `xauth_decode` (knob, default false): percent-decode the URL before hashing in x-auth mode.
        public var xAuthDecode = false
        /// `max_concurrency`: the licensed K2 API threads, the K2 spelling and default of the
        /// connection's `max_in_flight` (default 5).
        public var maxConcurrency = 5
        /// `queue_limit`: the K2 spelling of the connection's `max_queue` (default 100).
        public var queueLimit = 100
        /// `queue_timeout_ms` under `options:`: the K2 spelling of the connection's `queue_timeout_ms` (default 10000).
        public var queueTimeoutMilliseconds = 10_000

        /// The bulkhead these keys give the connection when it sets none of its own.
        var bulkhead: BulkheadPolicy {
            BulkheadPolicy(
                maxInFlight: self.maxConcurrency, maxQueue: self.queueLimit,
                queueTimeoutMilliseconds: self.queueTimeoutMilliseconds)
        }
        /// `rebase_page_urls` (knob, default false): rewrite a page URL on another origin onto base_url.
        public var rebasePageURLs = false
        /// `page_size`: the default page size of `data.list` (default: K2's own, 30; -1: paging off).
        public var pageSize: Int?
        /// `get_list_threshold`: URL length from which `data.list` uses `POST /Data/GetList` (default 2000).
        public var getListThreshold = 2000
        /// `like_hash` (knob, default `contains`): how this K2 reads `LIKE#`.
        public var likeHash = K2Conditions.LikeHash.contains

        /// Defaults.
        public init() {}

        /// Reads and validates `options`.
        public init(options: inout ConfigMap) throws(ConfigError) {
            if let format = try options.choice("format", in: ["json", "xml"]) {
                self.format = Format(rawValue: format)!
            }
            if let auth = try options.choice("auth", in: ["header", "x-auth"]) {
                self.auth = AuthMode(rawValue: auth)!
            }
            if let decode = try options.bool("xauth_decode") { self.xAuthDecode = decode }
            if let value = try options.int("max_concurrency", in: 1...1000) { self.maxConcurrency = value }
            if let value = try options.int("queue_limit", in: 0...100_000) { self.queueLimit = value }
            if let value = try options.int("queue_timeout_ms", in: 1...600_000) {
                self.queueTimeoutMilliseconds = value
            }
            if let value = try options.bool("rebase_page_urls") { self.rebasePageURLs = value }
            if let value = try options.int("page_size", in: -1...10_000) {
                guard value != 0 else {
                    throw options.node("page_size")!.error("page_size is 1...10000, or -1 for every record at once")
                }
                self.pageSize = value
            }
            if let value = try options.int("get_list_threshold", in: 100...100_000) { self.getListThreshold = value }
            if let value = try options.choice("like_hash", in: K2Conditions.LikeHash.allCases.map(\.rawValue)) {
                self.likeHash = K2Conditions.LikeHash(rawValue: value)!
            }
        }
    }
}
