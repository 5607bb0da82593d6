import GatehouseCore

extension KeyfaxAdapter {
    /// The connection's `options` (Adapters/Keyfax/README.md documents each).
    public struct Configuration: Sendable {
        /// How Gatehouse authenticates its own calls.
        public enum Auth: String, Sendable { case basic, bearer }
        /// What the upstream is sent start-up data as.
        public enum Format: String, Sendable { case json, xml }

        /// The host name Keyfax knows this integration by (kfServerConfig's KeyGen hostName).
        public var hostName: String
        public var auth = Auth.basic
        public var format = Format.json
        /// The signing recipe's knobs (protocols.md §1).
        public var signing = KeyfaxSigner.Configuration()
        /// Renew a JWT this long before it expires.
        public var renewMarginSeconds: Int64 = 3600
        /// How long a rotation waits for its keys at the web hook.
        public var rotationWindowSeconds: Int64 = 900

        /// Reads and validates `options`.
        public init(options: inout ConfigMap) throws(ConfigError) {
            let hostNode = try options.required("host_name")
            self.hostName = try hostNode.scalar(expecting: "the Keyfax host name")
            guard !self.hostName.isEmpty, !self.hostName.contains(":"), self.hostName.allSatisfy({ !$0.isWhitespace }) else {
                throw hostNode.error("a host name has no colon or spaces (it is a field of the Basic scheme)")
            }
            if let auth = try options.choice("auth", in: ["basic", "bearer"]) { self.auth = Auth(rawValue: auth)! }
            if let format = try options.choice("format", in: ["json", "xml"]) { self.format = Format(rawValue: format)! }
            if let identity = try options.choice("identity", in: KeyfaxSigner.Configuration.Identity.allCases.map(\.rawValue)) {
                self.signing.identity = .init(rawValue: identity)!
            }
            if let hash = try options.choice("hash", in: KeyfaxSigner.Configuration.Hash.allCases.map(\.rawValue)) {
                self.signing.hash = .init(rawValue: hash)!
            }
            if let digest = try options.choice("body_digest", in: KeyfaxSigner.Configuration.BodyDigest.allCases.map(\.rawValue)) {
                self.signing.bodyDigest = .init(rawValue: digest)!
            }
            if let margin = try options.int("renew_margin_seconds", in: 0...86_000) { self.renewMarginSeconds = Int64(margin) }
        }
    }
}
