import GatehouseCore
import HTTPTypes
import NIOCore

/// The arguments of the `request` operation, validated.
struct RequestArguments {
    var method: HTTPRequest.Method
    var path: String
    var query: String?
    var headers: HTTPFields
    var body: UpstreamBody

    init(_ arguments: Value, connection: String, credentialHeaders: Set<String>) throws {
        func bad(_ message: String) -> GatewayError { GatewayError(.badRequest, message, connection: connection) }
        guard let object = arguments.objectValue else { throw bad("arguments must be a JSON object") }
        for key in object.keys where !["method", "path", "query", "headers", "body"].contains(key) {
            throw bad("unknown argument \"\(key)\" (known: method, path, query, headers, body)")
        }
        // The schema allows only these; checked again here because this is what reaches the upstream.
        let methodName = object["method"]?.stringValue ?? "GET"
        guard let method = HTTPRequest.Method(methodName), HTTPRequest.Method.forwarded.contains(method) else {
            throw bad("/method: must be one of \(HTTPRequest.Method.forwardedAllow)")
        }
        self.method = method
        guard let path = object["path"]?.stringValue else { throw bad("argument \"path\" (a string) is required") }
        guard !GatewayRoute.hasDotSegments(path), !path.contains("?"), !path.contains("#") else {
            throw bad("path may not contain '.'/'..' segments, '?' or '#'; use query for parameters")
        }
        // Always below base_url: "orders" is "/orders", never base_url's last segment extended
        // ("/echo" + "0" would be "/echo0", outside it; found by schemathesis).
        let rooted = path.isEmpty || path.hasPrefix("/") ? path : "/" + path
        self.path = rooted.split(separator: "/", omittingEmptySubsequences: false).map {
            PercentEncoding.encode(String($0))
        }
        .joined(separator: "/")
        switch object["query"] {
        case nil, .null?: self.query = nil
        case .object(let query)?:
            self.query = try query.members.map { member in
                let value: String
                switch member.value {
                case .string(let s): value = s
                case .number(let n): value = n
                case .bool(let b): value = b ? "true" : "false"
                default: throw bad("query values must be strings, numbers or booleans")
                }
                return PercentEncoding.encode(member.key) + "=" + PercentEncoding.encode(value)
            }.joined(separator: "&")
        default: throw bad("query must be an object of parameter names to values")
        }
        var headers = HTTPFields()
        if case .object(let given)? = object["headers"] {
            for member in given.members {
                guard let name = HTTPField.Name(member.key), let value = member.value.stringValue,
                    !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 })
                else { throw bad("header \"\(member.key)\" is not a valid header name and string value") }
                headers.append(HTTPField(name: name, value: value))
            }
        }
        self.headers = HeaderPolicy.upstreamHeaders(from: headers, credentialHeaders: credentialHeaders)
        switch object["body"] {
        case nil, .null?: self.body = .empty
        case .string(let text)?: self.body = .bytes(ByteBuffer(string: text))
        case let value?:
            self.body = .bytes(ByteBuffer(bytes: JSON.serializeBytes(value)))
            if self.headers[.contentType] == nil { self.headers[.contentType] = "application/json" }
        }
    }
}
