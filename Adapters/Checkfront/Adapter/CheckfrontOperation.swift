import GatehouseCore
import HTTPTypes

/// One operation mapped onto a Checkfront API call: `request`, `item.list`, `item.get`,
/// `booking.list`, `booking.get`, `booking.update`.
struct CheckfrontOperation {
    var method: HTTPRequest.Method
    /// Below `/api/3.0/`.
    var path: String
    var query: String?
    var form: String?
    /// The envelope member holding the resource; `nil` for `request` (the whole answer minus the envelope).
    var resource: String?
    /// Whether the resource is a map of records to return as a list.
    var list = false

    /// `item.list`: every argument is a query parameter of `GET item`.
    static func itemList(_ arguments: Value.Object) -> Self {
        Self(method: .get, path: "item", query: CheckfrontForm.query(.object(arguments)), resource: "items", list: true)
    }

    /// `item.get`: `id`, the rest query parameters of `GET item/{id}`.
    static func itemGet(_ arguments: Value.Object, connection: String) throws -> Self {
        Self(
            method: .get, path: "item/" + (try Self.id(arguments, "item.get", connection: connection)),
            query: CheckfrontForm.query(Self.rest(arguments, without: ["id"])), resource: "item")
    }

    /// `booking.list`: query parameters of `GET booking/index`; `cursor` a page number this gateway gave.
    static func bookingList(_ arguments: Value.Object, connection: String) throws -> Self {
        var query = Self.rest(arguments, without: ["cursor"])
        if let cursor = arguments["cursor"]?.stringValue {
            guard let page = Int(cursor), page > 0 else {
                throw GatewayError(.badRequest, "\"cursor\" is not one this gateway gave", connection: connection)
            }
            query = .object(
                Value.Object(
                    (query.objectValue?.members.filter { $0.key != "page" } ?? []) + [.init("page", .int(page))]))
        }
        return Self(
            method: .get, path: "booking/index", query: CheckfrontForm.query(query), resource: "booking/index",
            list: true)
    }

    /// `booking.get`: `id`.
    static func bookingGet(_ arguments: Value.Object, connection: String) throws -> Self {
        Self(
            method: .get, path: "booking/" + (try Self.id(arguments, "booking.get", connection: connection)),
            resource: "booking")
    }

    /// `booking.update`: `id`, the rest form fields of `POST booking/{id}/update`.
    static func bookingUpdate(_ arguments: Value.Object, connection: String) throws -> Self {
        let id = try Self.id(arguments, "booking.update", connection: connection)
        return Self(
            method: .post, path: "booking/\(id)/update",
            form: CheckfrontForm.encode(Self.rest(arguments, without: ["id"])), resource: "booking")
    }

    /// `request`: `method`, `path` below `/api/3.0/`, `query`, `body` (form fields).
    static func request(_ arguments: Value.Object, connection: String) throws -> Self {
        let method = arguments["method"]?.stringValue?.uppercased() ?? "GET"
        guard ["GET", "POST", "PUT", "DELETE"].contains(method), let parsed = HTTPRequest.Method(method) else {
            throw GatewayError(.badRequest, "\"method\" must be GET, POST, PUT or DELETE", connection: connection)
        }
        guard var path = arguments["path"]?.stringValue, !path.isEmpty else {
            throw GatewayError(
                .badRequest, "request needs \"path\" below /api/3.0/, e.g. \"booking/index\"", connection: connection)
        }
        while path.hasPrefix("/") { path.removeFirst() }
        if path.hasPrefix("api/3.0/") { path.removeFirst(8) }
        guard !GatewayRoute.hasDotSegments(path), !path.contains("?"), !path.contains("#"), !path.contains("://") else {
            throw GatewayError(.badRequest, "\"path\" must be a plain path below /api/3.0/", connection: connection)
        }
        let body = arguments["body"]
        let form = (body == nil || body == .null) ? nil : CheckfrontForm.encode(body!)
        return Self(
            method: parsed, path: path, query: CheckfrontForm.query(arguments["query"]), form: form, resource: nil)
    }

    static func id(_ arguments: Value.Object, _ operation: String, connection: String) throws -> String {
        guard let value = arguments["id"], let text = value.stringValue ?? value.intValue.map(String.init),
            !text.isEmpty,
            text.utf8.allSatisfy({
                (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || $0 == 0x2D
            })
        else {
            throw GatewayError(
                .badRequest, "\(operation) needs \"id\": letters, digits and '-'", connection: connection)
        }
        return text
    }

    static func rest(_ arguments: Value.Object, without keys: Set<String>) -> Value {
        .object(Value.Object(arguments.members.filter { !keys.contains($0.key) }))
    }

    init(
        method: HTTPRequest.Method, path: String, query: String? = nil, form: String? = nil, resource: String?,
        list: Bool = false
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.form = form
        self.resource = resource
        self.list = list
    }
}
