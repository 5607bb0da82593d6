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

    /// The upstream's headers minus hop-by-hop ones, for the caller.
    public static func callerHeaders(from upstream: HTTPFields) -> HTTPFields {
        var result = HTTPFields()
        result.reserveCapacity(upstream.count)
        for field in upstream where !self.hopByHop.contains(field.name.canonicalName) {
            result.append(field)
        }
        return result
    }
}
