import GatehouseCore
import GatehouseCrypto

/// Keyfax's "Basic" authorization scheme (Adapters/Keyfax/README.md, "Signing choices"): five colon-separated fields,
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

        /// One ingredient of the raw message (`signature_fields` orders them).
        public enum Field: String, Sendable, CaseIterable { case identity, method, url, timestamp, nonce, body }
        /// The case of the URL before it is encoded.
        public enum URLCase: String, Sendable, CaseIterable { case lower, asSent = "as_sent" }
        /// How the URL is encoded into the message.
        public enum URLEncoding: String, Sendable, CaseIterable { case dotnet, none }
        /// Which part of the URL is signed.
        public enum URLForm: String, Sendable, CaseIterable { case absolute, pathAndQuery = "path_and_query" }
        /// How the signing key's text becomes the HMAC key.
        public enum SigningKey: String, Sendable, CaseIterable { case base64, text }

        public var identity = Identity.apiKey
        public var hash = Hash.sha256
        public var bodyDigest = BodyDigest.md5
        /// `signature_fields`: the order the ingredients are joined in (no separators).
        public var fields: [Field] = [.identity, .method, .url, .timestamp, .nonce, .body]
        public var urlCase = URLCase.lower
        public var urlEncoding = URLEncoding.dotnet
        public var urlForm = URLForm.absolute
        public var signingKey = SigningKey.base64

        /// The defaults of Adapters/Keyfax/README.md ("Signing choices").
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
        let signature = try self.signature(
            method: method, url: url, body: body, hostName: hostName, keys: keys, timestamp: timestamp, nonce: nonce)
        return "Basic \(hostName):\(keys.apiKey):\(signature):\(nonce):\(timestamp)"
    }

    /// `base64(HMAC(base64decode(signingKey), identity + METHOD + uriPart + timestamp + nonce + bodyPart))`
    /// by default; each choice the documents leave open is a knob of ``Configuration``.
    public func signature(
        method: String,
        url: String,
        body: [UInt8],
        hostName: String,
        keys: Keys,
        timestamp: Int64,
        nonce: String
    ) throws(SigningError) -> String {
        let decoded: [UInt8]? = keys.signingKey.withBytes { bytes in
            self.configuration.signingKey == .base64
                ? Base64.decode(String(decoding: bytes, as: UTF8.self)) : Array(bytes)
        }
        guard let key = decoded, !key.isEmpty else {
            throw SigningError(description: "the Keyfax signing key is not base64")
        }
        var message = ""
        for field in self.configuration.fields {
            switch field {
            case .identity: message += self.configuration.identity == .apiKey ? keys.apiKey : hostName
            case .method: message += method.uppercased()
            case .url: message += self.uriPart(url)
            case .timestamp: message += String(timestamp)
            case .nonce: message += nonce
            case .body: message += self.bodyPart(body)
            }
        }
        let algorithm: HMAC.Algorithm = self.configuration.hash == .sha256 ? .sha256 : .sha512
        return Base64.encode(HMAC.authenticationCode(algorithm, key: key, message: Array(message.utf8)))
    }

    /// `dotnetUrlEncode(lowercase(url))`.
    public static func uriPart(_ url: String) -> String { DotNetURLEncoding.encode(url.lowercased()) }

    /// The URL as the connection's knobs put it into the message (`url_form`, `url_case`, `url_encoding`).
    public func uriPart(_ url: String) -> String {
        var text = url
        if self.configuration.urlForm == .pathAndQuery, let scheme = text.range(of: "://") {
            let rest = text[scheme.upperBound...]
            text = rest.firstIndex(of: "/").map { String(rest[$0...]) } ?? "/"
        }
        if self.configuration.urlCase == .lower { text = text.lowercased() }
        return self.configuration.urlEncoding == .dotnet ? DotNetURLEncoding.encode(text) : text
    }

    /// `base64(MD5(body))`, or "" for an empty body or `body_digest: none`.
    public func bodyPart(_ body: [UInt8]) -> String {
        guard !body.isEmpty, self.configuration.bodyDigest == .md5 else { return "" }
        return Base64.encode(Digest.md5(body))
    }
}
