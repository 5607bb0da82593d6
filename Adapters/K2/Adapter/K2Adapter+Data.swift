import GatehouseCore
import GatehouseCrypto

extension K2Adapter {
    /// `data.list`: class, fields, order_by, page_size, filter, or_operator, cursor.
    func list(_ arguments: Value) async throws -> Envelope {
        let answer: (status: Int, value: Value)
        if let cursor = K2Arguments.optionalString(arguments, "cursor") {
            answer = try await self.exchange(.get, url: try self.pageURL(fromCursor: cursor))
        } else {
            let className = try K2Arguments.className(arguments)
            var query: [(String, String)] = []
            let fields = try K2Arguments.names(arguments["fields"], argument: "fields")
            for field in fields where !K2Conditions.isFieldName(field) {
                throw GatewayError(.badRequest, "\"\(field.prefix(60))\" is not a field name")
            }
            if !fields.isEmpty { query.append(("fields", fields.joined(separator: ","))) }
            let order = try K2Arguments.names(arguments["order_by"], argument: "order_by")
            for field in order where !K2Conditions.isFieldName(field.hasPrefix("-") ? String(field.dropFirst()) : field) {
                throw GatewayError(.badRequest, "\"\(field.prefix(60))\" in order_by is not a field name (a leading - sorts descending)")
            }
            if !order.isEmpty { query.append(("orderBy", order.joined(separator: ","))) }
            let pageSize = try K2Arguments.int(arguments, "page_size", in: 1...10_000) ?? self.configuration.pageSize
            if let pageSize { query.append(("pageSize", String(pageSize))) }
            let conditions = try K2Conditions.build(arguments["filter"])
            if let conditions { query.append(("conditions", conditions)) }
            let or = try K2Arguments.bool(arguments, "or_operator") ?? false
            if or { query.append(("orOperator", "true")) }
            let url = self.url(["Data", className], query: query)
            if url.utf8.count > self.configuration.getListThreshold {
                // Long queries: the same parameters as a DataParameterFields body.
                var body: Value.Object = [:]
                if let conditions { body["Conditions"] = .string(conditions) }
                if !fields.isEmpty { body["Fields"] = .string(fields.joined(separator: ",")) }
                if !order.isEmpty { body["OrderBy"] = .string(order.joined(separator: ",")) }
                if let pageSize { body["PageSize"] = .int(pageSize) }
                if or { body["orOperator"] = true }
                answer = try await self.exchange(
                    .post, url: self.url(["Data", "GetList", className]), body: try self.body(.object(body), root: "DataParameterFields"))
            } else {
                answer = try await self.exchange(.get, url: url)
            }
        }
        guard let paged = answer.value.objectValue else {
            throw GatewayError(.upstreamError, "K2's list answer is not a PagedList", upstreamStatus: answer.status)
        }
        var records: [Value] = []
        for item in K2Arguments.list(paged["Items"]) { records.append(try K2Record.record(from: item, connection: self.connection)) }
        var cursor: String?
        if let next = paged["NextPageURL"]?.stringValue, !next.isEmpty, !records.isEmpty {
            cursor = Base64.urlEncode(Array(try self.checkedPageURL(next).utf8))
        }
        var meta: Value.Object = [:]
        if let requested = paged["RequestedFields"], requested != .null { meta["requested_fields"] = requested }
        return Envelope(data: .array(records), nextCursor: cursor, meta: meta, upstreamStatus: answer.status)
    }

    /// A caller's cursor back to the page URL it stands for; only URLs below `base_url`'s Data
    /// service, without a dot segment that would climb out of it once curl or IIS resolved it.
    func pageURL(fromCursor cursor: String) throws -> String {
        guard let bytes = Base64.urlDecode(cursor), let url = String(validating: bytes, as: UTF8.self), self.isDataPageURL(url) else {
            throw GatewayError(.badRequest, "\"cursor\" is not a cursor this connection issued")
        }
        return url
    }

    /// Whether `url` is on `base_url`'s origin, below its Data service and without a dot segment:
    /// what a cursor may stand for, and so what a page URL K2 reports must be before it becomes one.
    func isDataPageURL(_ url: String) -> Bool {
        guard let target = BaseURL(url), target.sameOrigin(as: self.client.baseURL) else { return false }
        let service = self.client.baseURL.path + (self.configuration.format == .xml ? "/xml" : "") + "/Data/"
        return target.path.lowercased().hasPrefix(service.lowercased()) && !Self.hasDotSegment(target.path)
    }

    /// Whether `path` has a `.` or `..` segment, spelled plainly or percent-encoded in any case
    /// (`%2e%2e`, `%2E.`), also between the separators IIS accepts (a backslash, `%5c`, `%2f`).
    static func hasDotSegment(_ path: String) -> Bool {
        var text = path.lowercased()
        for separator in ["%2f", "%5c", "\\"] {
            text = text.split(separator: separator, omittingEmptySubsequences: false).joined(separator: "/")
        }
        return GatewayRoute.hasDotSegments(text)
    }

    /// `data.get`: class, keys, fields.
    func get(_ arguments: Value) async throws -> Envelope {
        let className = try K2Arguments.className(arguments)
        let keys = try K2Arguments.keys(arguments)
        let answer = try await self.exchange(.get, url: self.url(["Data", className] + keys, query: try self.fieldsQuery(arguments, "fields")))
        return Envelope(data: try K2Record.record(from: answer.value, connection: self.connection), upstreamStatus: answer.status)
    }

    /// `data.create`: class, fields {name: value}, return_fields.
    func create(_ arguments: Value) async throws -> Envelope {
        let className = try K2Arguments.className(arguments)
        guard let fields = arguments["fields"]?.objectValue else { throw GatewayError(.badRequest, "\"fields\" is required: {name: value}") }
        let body = try K2Record.wrapper(className: className, fields: fields)
        let answer = try await self.write(
            .post, url: self.url(["Data", className], query: try self.fieldsQuery(arguments, "return_fields")), wrapper: body, isUpdate: false)
        return Envelope(data: try K2Record.record(from: answer.value, connection: self.connection), upstreamStatus: answer.status)
    }

    /// `data.update`: a record as read (class, keys, fields with the system fields such as
    /// TimeStamp, no_permission); fields K2 withheld are never written back.
    func update(_ arguments: Value) async throws -> Envelope {
        let className = try K2Arguments.className(arguments)
        let keys = try K2Arguments.keys(arguments)
        guard var fields = arguments["fields"]?.objectValue else {
            throw GatewayError(.badRequest, "\"fields\" is required, including the system fields (TimeStamp) from an earlier read")
        }
        for name in try K2Arguments.names(arguments["no_permission"], argument: "no_permission") { fields[name] = nil }
        let body = try K2Record.wrapper(className: className, fields: fields)
        let answer = try await self.write(
            .put, url: self.url(["Data", className] + keys, query: try self.fieldsQuery(arguments, "return_fields")), wrapper: body, isUpdate: true)
        return Envelope(data: try K2Record.record(from: answer.value, connection: self.connection), upstreamStatus: answer.status)
    }

    /// `data.delete_items`: class, keys, fields (the system fields), collection, items (their key fields).
    func deleteItems(_ arguments: Value) async throws -> Envelope {
        let className = try K2Arguments.className(arguments)
        let keys = try K2Arguments.keys(arguments)
        let collection = try K2Arguments.string(arguments, "collection")
        guard K2Conditions.isFieldName(collection) else { throw GatewayError(.badRequest, "\"collection\" is not a field name") }
        var fields = arguments["fields"]?.objectValue ?? [:]
        var items: [Value] = []
        for item in K2Arguments.list(arguments["items"]) {
            guard let object = item.objectValue else { throw GatewayError(.badRequest, "\"items\" are objects with the items' key fields") }
            let keyFields = object["fields"]?.objectValue ?? object
            items.append(["class": object["class"] ?? "", "fields": .object(keyFields), "deleted": true])
        }
        guard !items.isEmpty else { throw GatewayError(.badRequest, "\"items\" is required: the items to delete, by key fields") }
        fields[collection] = .array(items)
        let body = try K2Record.wrapper(className: className, fields: fields)
        let answer = try await self.write(.put, url: self.url(["Data", className] + keys), wrapper: body, isUpdate: true)
        return Envelope(data: try K2Record.record(from: answer.value, connection: self.connection), upstreamStatus: answer.status)
    }

    func fieldsQuery(_ arguments: Value, _ name: String) throws(GatewayError) -> [(String, String)] {
        let fields = try K2Arguments.names(arguments[name], argument: name)
        for field in fields where !K2Conditions.isFieldName(field) {
            throw GatewayError(.badRequest, "\"\(field.prefix(60))\" is not a field name")
        }
        return fields.isEmpty ? [] : [("fields", fields.joined(separator: ","))]
    }
}
