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

    init(_ call: OperationCall, connection: String) throws {
        let arguments = call.arguments.objectValue ?? [:]
        func id() throws -> String {
            guard let value = arguments["id"], let text = value.stringValue ?? value.intValue.map(String.init),
                !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || $0 == 0x2D })
            else { throw GatewayError(.badRequest, "\(call.name) needs \"id\": letters, digits and '-'", connection: connection) }
            return text
        }
        func rest(without keys: Set<String>) -> Value {
            .object(Value.Object(arguments.members.filter { !keys.contains($0.key) }))
        }
        switch call.name {
        case "item.list":
            self.init(method: .get, path: "item", query: CheckfrontForm.query(rest(without: [])), resource: "items", list: true)
        case "item.get":
            self.init(method: .get, path: "item/" + (try id()), query: CheckfrontForm.query(rest(without: ["id"])), resource: "item")
        case "booking.list":
            var query = rest(without: ["cursor"])
            if let cursor = arguments["cursor"]?.stringValue {
                guard let page = Int(cursor), page > 0 else { throw GatewayError(.badRequest, "\"cursor\" is not one this gateway gave", connection: connection) }
                query = .object(Value.Object((query.objectValue?.members.filter { $0.key != "page" } ?? []) + [.init("page", .int(page))]))
            }
            self.init(method: .get, path: "booking/index", query: CheckfrontForm.query(query), resource: "booking/index", list: true)
        case "booking.get":
            self.init(method: .get, path: "booking/" + (try id()), resource: "booking")
        case "booking.update":
            let id = try id()
            self.init(method: .post, path: "booking/\(id)/update", form: CheckfrontForm.encode(rest(without: ["id"])), resource: "booking")
        case "request":
            let method = arguments["method"]?.stringValue?.uppercased() ?? "GET"
            guard ["GET", "POST", "PUT", "DELETE"].contains(method), let parsed = HTTPRequest.Method(method) else {
                throw GatewayError(.badRequest, "\"method\" must be GET, POST, PUT or DELETE", connection: connection)
            }
            guard var path = arguments["path"]?.stringValue, !path.isEmpty else {
                throw GatewayError(.badRequest, "request needs \"path\" below /api/3.0/, e.g. \"booking/index\"", connection: connection)
            }
            while path.hasPrefix("/") { path.removeFirst() }
            if path.hasPrefix("api/3.0/") { path.removeFirst(8) }
            guard !GatewayRoute.hasDotSegments(path), !path.contains("?"), !path.contains("#"), !path.contains("://") else {
                throw GatewayError(.badRequest, "\"path\" must be a plain path below /api/3.0/", connection: connection)
            }
            let body = arguments["body"]
            let form = (body == nil || body == .null) ? nil : CheckfrontForm.encode(body!)
            self.init(method: parsed, path: path, query: CheckfrontForm.query(arguments["query"]), form: form, resource: nil)
        default:
            throw GatewayError(
                .notFound,
                "unknown operation \"\(call.name.prefix(60))\" (known: request, item.list, item.get, booking.list, booking.get, booking.update)",
                connection: connection
            )
        }
    }

    init(method: HTTPRequest.Method, path: String, query: String? = nil, form: String? = nil, resource: String?, list: Bool = false) {
        self.method = method
        self.path = path
        self.query = query
        self.form = form
        self.resource = resource
        self.list = list
    }
}
