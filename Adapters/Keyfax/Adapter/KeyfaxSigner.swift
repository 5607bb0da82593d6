import GatehouseCore
import GatehouseCrypto

/// Keyfax's "Basic" authorization scheme (protocols.md §1): five colon-separated fields,
/// `Basic {hostName}:{apiKey}:{signature}:{nonce}:{timestamp}` — not base64, so an HTTP
/// library's Basic helper must not be used.
///
/// ```swift
/// let signer = KeyfaxSigner(configuration: .init())
/// let header = try signer.authorization(method: "GET", url: url, body: [], hostName: "Dev", keys: keys,
///                                       timestamp: now - 1, nonce: KeyfaxSigner.newNonce())
/// ```
public struct KeyfaxSigner: Sendable {
    /// The per-connection knobs of the recipe (what the public documents leave open).
    public struct Configuration: Sendable, Hashable {
        /// The string the raw message starts with.
        public enum Identity: String, Sendable, CaseIterable { case apiKey = "api_key", hostName = "host_name" }
        /// The HMAC hash.
        public enum Hash: String, Sendable, CaseIterable { case sha256, sha512 }
        /// How the body enters the message.
        public enum BodyDigest: String, Sendable, CaseIterable { case md5, none }

        public var identity = Identity.apiKey
        public var hash = Hash.sha256
        public var bodyDigest = BodyDigest.md5

        /// The defaults of protocols.md.
        public init() {}
    }

    /// A key pair as Keyfax issues it: the public API key and the base64 signing key.
    public struct Keys: Sendable {
        public var apiKey: String
        public var signingKey: Secret

        /// Creates a key pair.
        public init(apiKey: String, signingKey: Secret) {
            self.apiKey = apiKey
            self.signingKey = signingKey
        }
    }

    /// Why a request cannot be signed.
    public struct SigningError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public let configuration: Configuration

    /// Creates a signer.
    public init(configuration: Configuration = Configuration()) { self.configuration = configuration }

    /// A fresh nonce: 32 lowercase hex digits from the secure generator (one per attempt, retries included).
    public static func newNonce() -> String { Hex.encode(SecureRandom.bytes(16)) }

    /// The `Authorization` header value for one request.
    public func authorization(
        method: String,
        url: String,
        body: [UInt8],
        hostName: String,
        keys: Keys,
        timestamp: Int64,
        nonce: String
    ) throws(SigningError) -> String {
        let signature = try self.signature(method: method, url: url, body: body, hostName: hostName, keys: keys, timestamp: timestamp, nonce: nonce)
        return "Basic \(hostName):\(keys.apiKey):\(signature):\(nonce):\(timestamp)"
    }

    /// `base64(HMAC(base64decode(signingKey), identity + METHOD + uriPart + timestamp + nonce + bodyPart))`.
    public func signature(
        method: String,
        url: String,
        body: [UInt8],
        hostName: String,
        keys: Keys,
        timestamp: Int64,
        nonce: String
    ) throws(SigningError) -> String {
        guard let key = keys.signingKey.withBytes({ Base64.decode(String(decoding: $0, as: UTF8.self)) }), !key.isEmpty else {
            throw SigningError(description: "the Keyfax signing key is not base64")
        }
        let identity = self.configuration.identity == .apiKey ? keys.apiKey : hostName
        var message = identity + method.uppercased() + Self.uriPart(url) + String(timestamp) + nonce
        message += self.bodyPart(body)
        let algorithm: HMAC.Algorithm = self.configuration.hash == .sha256 ? .sha256 : .sha512
        return Base64.encode(HMAC.authenticationCode(algorithm, key: key, message: Array(message.utf8)))
    }

    /// `dotnetUrlEncode(lowercase(url))`.
    public static func uriPart(_ url: String) -> String { DotNetURLEncoding.encode(url.lowercased()) }

    /// `base64(MD5(body))`, or "" for an empty body or `body_digest: none`.
    public func bodyPart(_ body: [UInt8]) -> String {
        guard !body.isEmpty, self.configuration.bodyDigest == .md5 else { return "" }
        return Base64.encode(Digest.md5(body))
    }
}
