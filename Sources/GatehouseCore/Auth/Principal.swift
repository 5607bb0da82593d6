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
    public var bearerToken: String? {
        guard let authorization, authorization.count > 7, authorization.prefix(7).lowercased() == "bearer " else {
            return nil
        }
        return String(authorization.dropFirst(7))
    }
}
