/// The gateway's own routes, matched on the raw (still percent-encoded) request path.
public enum GatewayRoute: Sendable, Equatable {
    /// `ANY /proxy/{connection}/{path...}`; `path` is the raw rest ("" or "/...").
    case proxy(connection: String, path: String)
    /// `POST /v1/{connection}/{operation}`.
    case operation(connection: String, operation: String)
    /// `GET /healthz`: the process is up.
    case health
    /// `GET /readyz`: the gateway can serve.
    case ready
    /// `GET /metrics`: Prometheus text.
    case metrics
    /// `GET /v1/openapi.json`: the data plane's OpenAPI document.
    case openAPI
    /// `/admin/v1/...`: segments after `v1`.
    case admin([String])
    /// `/oauth/{connection}/{name...}`: an adapter's own endpoint (``ConnectionEndpoints``).
    case endpoint(connection: String, name: String)
    /// `/hooks/{connection}/{name...}`: a web hook an upstream calls (``ConnectionEndpoints/hook(_:)``).
    case hook(connection: String, name: String)
    /// Anything else.
    case notFound

    /// Matches a raw request path (no query).
    public static func match(path: String) -> GatewayRoute {
        let utf8 = path.utf8
        if utf8.starts(with: "/proxy/".utf8) {
            let rest = path.utf8.dropFirst(7)
            let end = rest.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
            let connection = String(path[rest.startIndex..<end])
            guard !connection.isEmpty else { return .notFound }
            return .proxy(connection: connection, path: String(path[end...]))
        }
        switch path {
        case "/healthz": return .health
        case "/readyz": return .ready
        case "/metrics": return .metrics
        case "/v1/openapi.json": return .openAPI
        default: break
        }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        if segments.first == "v1", segments.count == 3 {
            let connection = String(segments[segments.startIndex + 1])
            let operation = String(segments[segments.startIndex + 2])
            guard !connection.isEmpty, !operation.isEmpty else { return .notFound }
            return .operation(connection: connection, operation: operation)
        }
        if segments.count >= 3, segments.first == "oauth" || segments.first == "hooks" {
            let connection = String(segments[segments.startIndex + 1])
            let name = segments.dropFirst(2).joined(separator: "/")
            guard !connection.isEmpty, !name.isEmpty else { return .notFound }
            return segments.first == "oauth"
                ? .endpoint(connection: connection, name: name) : .hook(connection: connection, name: name)
        }
        if segments.count >= 2, segments.first == "admin", segments[segments.startIndex + 1] == "v1" {
            return .admin(segments.dropFirst(2).map(String.init))
        }
        return .notFound
    }

    /// Whether a proxied path tries to climb out of `base_url` with `.`/`..` segments
    /// (plain or percent-encoded); such requests are refused rather than normalised.
    public static func hasDotSegments(_ path: String) -> Bool {
        // Fast path: no '.' and no escape means no dot segment.
        guard path.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "%") }) else { return false }
        for segment in path.split(separator: "/", omittingEmptySubsequences: false) {
            let lowered = segment.lowercased()
                .replacing("%2e", with: ".")
            if lowered == "." || lowered == ".." { return true }
        }
        return false
    }
}
