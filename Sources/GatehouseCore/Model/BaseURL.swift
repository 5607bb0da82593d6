/// An absolute `http`/`https` URL split into the parts that matter for credential pinning.
///
/// Credentials of a connection are only ever attached to URLs whose ``origin`` equals its
/// `base_url`'s origin.
public struct BaseURL: Sendable, Hashable, CustomStringConvertible {
    /// `http` or `https`, lowercased.
    public let scheme: String
    /// Host as written (lowercased); IPv6 literals keep their brackets.
    public let host: String
    /// Explicit port, or the scheme's default.
    public let port: Int
    /// Path without a trailing slash ("" for the root).
    public let path: String
    /// The query, without `?`, when one is present.
    public let query: String?

    /// Parses an absolute URL; `nil` when it is not `http(s)://host[:port][/path][?query]`,
    /// has user info, a fragment, or control characters.
    public init?(_ text: String) {
        guard !text.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else { return nil }
        // Plain UTF-8 scanning: this runs for every outbound call (origin pinning).
        let scheme: String
        var rest: Substring
        if text.utf8.starts(with: "http://".utf8) {
            scheme = "http"
            rest = text.dropFirst(7)
        } else if text.utf8.starts(with: "https://".utf8) {
            scheme = "https"
            rest = text.dropFirst(8)
        } else if let colon = text.utf8.firstIndex(of: UInt8(ascii: ":")),
            ["http", "https"].contains(text[..<colon].lowercased()), text[colon...].utf8.starts(with: "://".utf8)
        {
            scheme = text[..<colon].lowercased()
            rest = text[text.utf8.index(colon, offsetBy: 3)...]
        } else {
            return nil
        }
        guard !rest.contains("#") else { return nil }
        var query: String?
        if let q = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: q)...])
            rest = rest[..<q]
        }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var path = String(rest[authorityEnd...])
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        var host = Substring(authority)
        var port = scheme == "https" ? 443 : 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[...close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let p = Int(after.dropFirst()), (1...65535).contains(p) else { return nil }
                port = p
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            guard let p = Int(authority[authority.index(after: colon)...]), (1...65535).contains(p) else { return nil }
            port = p
        }
        guard !host.isEmpty else { return nil }
        while path.hasSuffix("/") { path.removeLast() }
        self.scheme = scheme
        self.host = host.lowercased()
        self.port = port
        self.path = path
        self.query = query
    }

    /// `scheme://host:port`, always with an explicit port, for comparisons.
    public var origin: String { "\(self.scheme)://\(self.host):\(self.port)" }

    /// Whether `other` has the same scheme, host and port.
    public func sameOrigin(as other: BaseURL) -> Bool {
        self.scheme == other.scheme && self.host == other.host && self.port == other.port
    }

    /// The URL prefix requests are built on: `scheme://host[:port]path` (default ports omitted).
    public var prefix: String {
        let defaultPort = self.scheme == "https" ? 443 : 80
        let authority = self.port == defaultPort ? self.host : "\(self.host):\(self.port)"
        return "\(self.scheme)://\(authority)\(self.path)"
    }

    public var description: String { self.prefix + (self.query.map { "?\($0)" } ?? "") }
}
