import HTTPTypes

/// Which headers cross the gateway in each direction.
public enum HeaderPolicy {
    /// Headers that describe one hop, never forwarded (RFC 9110 §7.6.1), plus framing the
    /// transport sets itself.
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "host", "content-length", "expect",
    ]

    /// Inbound credentials: consumed by the gateway, never sent upstream. The headers adapter
    /// kinds read as credentials (``AdapterRegistry/inboundCredentialHeaders``) are dropped too.
    static let inboundCredentials: Set<String> = ["authorization", "proxy-authorization"]

    /// Claims about earlier hops. A caller could write anything into them (an upstream that
    /// trusts `X-Forwarded-For` for allow-lists or audit would believe it), so they are never
    /// passed on; the gateway states its own (``forwardedHeaders(remoteAddress:)``).
    static let forwarded: Set<String> = [
        "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip", "forwarded",
    ]

    /// Every name ``upstreamHeaders(from:)`` drops whatever `Connection` says: one hash per
    /// header instead of one per set.
    static let notForwarded: Set<String> = hopByHop.union(inboundCredentials).union(forwarded)

    /// The caller's headers minus inbound credentials (`Authorization`, `Proxy-Authorization`
    /// and `credentialHeaders`, lowercased: the ones the adapter kinds read), hop-by-hop headers
    /// (including those the caller's `Connection` header names) and the caller's forwarding claims.
    public static func upstreamHeaders(from inbound: HTTPFields, credentialHeaders: Set<String>) -> HTTPFields {
        let named = inbound.contains(.connection) ? self.connectionTokens(inbound) : []
        var result = HTTPFields()
        result.reserveCapacity(inbound.count)
        for field in inbound {
            let name = field.name.canonicalName
            if self.notForwarded.contains(name) || credentialHeaders.contains(name)
                || (!named.isEmpty && named.contains(name))
            {
                continue
            }
            result.append(field)
        }
        return result
    }

    /// `X-Forwarded-For` (the caller's address, as the gateway's socket saw it) and
    /// `X-Forwarded-Proto` (`proto`: `https` behind `server.tls`, else `http`), as the gateway states them.
    public static func forwardedHeaders(remoteAddress: String?, proto: String = "http") -> HTTPFields {
        // Appended, not set: the list is new, so there is nothing to replace.
        var fields = HTTPFields()
        fields.reserveCapacity(2)
        if let remoteAddress, !remoteAddress.isEmpty {
            fields.append(HTTPField(name: Self.forwardedForField, value: remoteAddress))
        }
        fields.append(HTTPField(name: Self.forwardedProtoField, value: proto))
        return fields
    }

    static let forwardedForField = HTTPField.Name("X-Forwarded-For")!
    static let forwardedProtoField = HTTPField.Name("X-Forwarded-Proto")!

    /// The upstream's headers minus hop-by-hop ones (including those the upstream's
    /// `Connection` header names), for the caller. Every answer goes through here, HEAD too.
    public static func callerHeaders(from upstream: HTTPFields) -> HTTPFields {
        var result = HTTPFields()
        result.reserveCapacity(upstream.count)
        let named = upstream.contains(.connection) ? self.connectionTokens(upstream) : []
        for field in upstream {
            let name = field.name.canonicalName
            if self.hopByHop.contains(name) || (!named.isEmpty && named.contains(name)) { continue }
            result.append(field)
        }
        return result
    }

    /// The lowercased header names a `Connection` header lists, other than `keep-alive` and
    /// `close` (hop-by-hop anyway, and what nearly every answer says: no allocation for them).
    private static func connectionTokens(_ fields: HTTPFields) -> Set<String> {
        var named: Set<String> = []
        for value in fields[values: .connection] {
            for token in value.utf8.split(separator: UInt8(ascii: ",")) {
                let trimmed = token.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 }
                    .reversed()
                if Self.equalsLowercased(trimmed, "keep-alive") || Self.equalsLowercased(trimmed, "close") { continue }
                named.insert(String(decoding: trimmed, as: UTF8.self).lowercased())
            }
        }
        return named
    }

    /// Whether `bytes`, ASCII-lowercased, are `lowercase`.
    private static func equalsLowercased(_ bytes: some Collection<UInt8>, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        return lowercase.withUTF8Buffer { expected in
            zip(bytes, expected).allSatisfy { byte, want in (byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) == want
            }
        }
    }
}
