import HTTPTypes

/// Who is calling: the matched client and the connections it may use.
public struct Principal: Sendable, Hashable {
    /// The client's name (for callers admitted by a token validator, the client prefix).
    public let name: String
    /// Connection names this principal may call.
    public let connections: Set<String>

    /// Creates a principal.
    public init(name: String, connections: Set<String>) {
        self.name = name
        self.connections = connections
    }

    /// Whether the principal may call `connection`.
    public func mayUse(_ connection: String) -> Bool { self.connections.contains(connection) }
}

/// The parts of an inbound request that identify the caller.
public struct InboundCredentials: Sendable {
    /// The `Authorization` header value.
    public var authorization: String?
    /// The request's headers, for the token validators that read one of their own
    /// (``AdapterKind/clientPrefixHeader``).
    public var headers: HTTPFields

    /// Creates inbound credentials.
    public init(authorization: String?, headers: HTTPFields = [:]) {
        self.authorization = authorization
        self.headers = headers
    }

    /// The bearer token, when `Authorization` uses the Bearer scheme.
    /// The scheme is matched case-insensitively over the bytes (no lowercased copy per request).
    public var bearerToken: String? {
        guard let authorization else { return nil }
        let utf8 = authorization.utf8
        guard utf8.count > 7 else { return nil }
        var index = utf8.startIndex
        for expected in "bearer ".utf8 {
            let byte = utf8[index]
            // ASCII letters fold to lowercase with 0x20; the space must be exact.
            guard byte == expected || (expected != 0x20 && byte | 0x20 == expected) else { return nil }
            index = utf8.index(after: index)
        }
        return String(authorization[index...])
    }
}
