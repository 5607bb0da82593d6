import HTTPTypes

/// One protocol's behaviour for one configured connection: how a caller's request becomes
/// signed upstream calls, and how answers become the uniform shape.
///
/// An adapter is built once per connection by its ``AdapterKind`` and lives as long as the
/// configuration. It never imports another adapter.
///
/// ```swift
/// struct EchoAdapter: Adapter {
///     let client: UpstreamClient
///     func proxy(_ call: ProxyCall) async throws -> UpstreamResponse { try await self.client.forward(call) }
/// }
/// ```
public protocol Adapter: Sendable {
    /// Forwards a caller's request (`ANY /proxy/{connection}/{path...}`) with credentials added.
    func proxy(_ call: ProxyCall) async throws -> UpstreamResponse

    /// Performs a named operation (`POST /v1/{connection}/{operation}`).
    func perform(_ call: OperationCall) async throws -> Envelope

    /// The operations ``perform(_:)`` offers, with the schemas of their arguments and answers
    /// (usually an ``OperationTable``'s descriptions; the OpenAPI documents list them).
    var operations: [OperationDescription] { get }
}

extension Adapter {
    /// Adapters without operations list none.
    public var operations: [OperationDescription] { [] }

    /// Adapters without operations answer 404 for every name.
    public func perform(_ call: OperationCall) async throws -> Envelope {
        throw GatewayError(.notFound, "unknown operation \"\(call.name)\"")
    }
}

/// A caller's request on the proxy route, already stripped of inbound credentials and
/// hop-by-hop headers.
public struct ProxyCall: Sendable {
    public var method: HTTPRequest.Method
    /// The path below the connection, percent-encoded exactly as the caller sent it ("" or "/...").
    public var path: String
    /// The raw query without `?`, as the caller sent it.
    public var query: String?
    public var headers: HTTPFields
    public var body: UpstreamBody

    /// Creates a call.
    public init(method: HTTPRequest.Method, path: String, query: String?, headers: HTTPFields, body: UpstreamBody) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }
}

/// A named operation with its arguments.
public struct OperationCall: Sendable {
    /// Dotted operation name, e.g. `data.list`.
    public var name: String
    /// Arguments from the caller's JSON (or XML) body; an empty object when there was none.
    public var arguments: Value
    /// How the arguments arrived: XML arguments are all text and wrap their lists
    /// (``Schema/conformingXML(_:to:)`` reads them into the JSON form).
    public var form: Form

    /// The body's format.
    public enum Form: Sendable {
        case json
        case xml
    }

    /// Creates a call.
    public init(name: String, arguments: Value, form: Form = .json) {
        self.name = name
        self.arguments = arguments
        self.form = form
    }
}
