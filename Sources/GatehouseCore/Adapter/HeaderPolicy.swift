import HTTPTypes

/// Which headers cross the gateway in each direction.
public enum HeaderPolicy {
    /// Headers that describe one hop, never forwarded (RFC 9110 §7.6.1), plus framing the
    /// transport sets itself.
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "host", "content-length", "expect",
    ]

    /// Inbound credentials: consumed by the gateway, never sent upstream.
    static let inboundCredentials: Set<String> = ["authorization", "proxy-authorization", "x-client-prefix"]

    /// The caller's headers minus inbound credentials and hop-by-hop headers (including those
    /// the caller's `Connection` header names).
    public static func upstreamHeaders(from inbound: HTTPFields) -> HTTPFields {
        var named: Set<String> = []
        for value in inbound[values: .connection] {
            for token in value.split(separator: ",") {
                named.insert(String(token.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()).lowercased())
            }
        }
        var result = HTTPFields()
        result.reserveCapacity(inbound.count)
        for field in inbound {
            let name = field.name.canonicalName
            if self.hopByHop.contains(name) || self.inboundCredentials.contains(name) || named.contains(name) { continue }
            result.append(field)
        }
        return result
    }

    /// The upstream's headers minus hop-by-hop ones (including those the upstream's
    /// `Connection` header names), for the caller. Every answer goes through here, HEAD too.
    public static func callerHeaders(from upstream: HTTPFields) -> HTTPFields {
        var result = HTTPFields()
        result.reserveCapacity(upstream.count)
        let named = upstream[.connection] == nil ? [] : self.connectionTokens(upstream)
        for field in upstream {
            let name = field.name.canonicalName
            if self.hopByHop.contains(name) || named.contains(name) { continue }
            result.append(field)
        }
        return result
    }

    /// The lowercased header names a `Connection` header lists.
    private static func connectionTokens(_ fields: HTTPFields) -> Set<String> {
        var named: Set<String> = []
        for value in fields[values: .connection] {
            for token in value.split(separator: ",") {
                let trimmed = token.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()
                named.insert(String(trimmed).lowercased())
            }
        }
        return named
    }
}
