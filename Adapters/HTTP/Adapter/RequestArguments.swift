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

    init(_ arguments: Value, connection: String) throws {
        func bad(_ message: String) -> GatewayError { GatewayError(.badRequest, message, connection: connection) }
        guard let object = arguments.objectValue else { throw bad("arguments must be a JSON object") }
        for key in object.keys where !["method", "path", "query", "headers", "body"].contains(key) {
            throw bad("unknown argument \"\(key)\" (known: method, path, query, headers, body)")
        }
        let methodName = object["method"]?.stringValue?.uppercased() ?? "GET"
        guard let method = HTTPRequest.Method(methodName) else { throw bad("\"\(methodName)\" is not an HTTP method") }
        self.method = method
        guard let path = object["path"]?.stringValue else { throw bad("argument \"path\" (a string) is required") }
        guard !GatewayRoute.hasDotSegments(path), !path.contains("?"), !path.contains("#") else {
            throw bad("path may not contain '.'/'..' segments, '?' or '#'; use query for parameters")
        }
        // Always below base_url: "orders" is "/orders", never base_url's last segment extended
        // ("/echo" + "0" would be "/echo0", outside it; found by schemathesis).
        let rooted = path.isEmpty || path.hasPrefix("/") ? path : "/" + path
        self.path = rooted.split(separator: "/", omittingEmptySubsequences: false).map { Self.encode(String($0)) }
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
                return Self.encode(member.key) + "=" + Self.encode(value)
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
        self.headers = HeaderPolicy.upstreamHeaders(from: headers)
        switch object["body"] {
        case nil, .null?: self.body = .empty
        case .string(let text)?: self.body = .bytes(ByteBuffer(string: text))
        case let value?:
            self.body = .bytes(ByteBuffer(bytes: JSON.serializeBytes(value)))
            if self.headers[.contentType] == nil { self.headers[.contentType] = "application/json" }
        }
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%"
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0xF)]))
            }
        }
        return out
    }
}
