import GatehouseCore
import GatehouseCrypto

extension K2Adapter {
    /// `data.list`: class, fields, order_by, page_size (-1: paging off), filter, or_operator, cursor.
    func list(_ arguments: Value) async throws -> Envelope {
        let answer: (status: Int, value: Value)
        // A listing that went through POST /Data/GetList continues through it: its page state
        // travels in the body, never as the over-long GET that GetList exists to avoid.
        var getList: (className: String, body: Value.Object)?
        if let cursor = K2Arguments.optionalString(arguments, "cursor") {
            switch try self.page(fromCursor: cursor) {
            case .url(let url):
                answer = try await self.exchange(.get, url: url)
            case .getList(let className, let body):
                getList = (className, body)
                answer = try await self.exchange(
                    .post, url: self.url(["Data", "GetList", className]),
                    body: try self.body(.object(body), root: "DataParameterFields"))
            }
        } else {
            let className = try K2Arguments.className(arguments)
            var query: [(String, String)] = []
            let fields = try K2Arguments.names(arguments["fields"], argument: "fields")
            for field in fields where !K2Conditions.isFieldName(field) {
                throw GatewayError(.badRequest, "\"\(field.prefix(60))\" is not a field name")
            }
            if !fields.isEmpty { query.append(("fields", fields.joined(separator: ","))) }
            let order = try K2Arguments.names(arguments["order_by"], argument: "order_by")
            for field in order where !K2Conditions.isFieldName(field.hasPrefix("-") ? String(field.dropFirst()) : field)
            {
                throw GatewayError(
                    .badRequest,
                    "\"\(field.prefix(60))\" in order_by is not a field name (a leading - sorts descending)")
            }
            if !order.isEmpty { query.append(("orderBy", order.joined(separator: ","))) }
            let pageSize = try Self.pageSize(arguments) ?? self.configuration.pageSize
            if let pageSize { query.append(("pageSize", String(pageSize))) }
            let conditions = try K2Conditions.build(arguments["filter"], likeHash: self.configuration.likeHash)
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
                getList = (className, body)
                answer = try await self.exchange(
                    .post, url: self.url(["Data", "GetList", className]),
                    body: try self.body(.object(body), root: "DataParameterFields"))
            } else {
                answer = try await self.exchange(.get, url: url)
            }
        }
        guard let paged = answer.value.objectValue else {
            throw GatewayError(.upstreamError, "K2's list answer is not a PagedList", upstreamStatus: answer.status)
        }
        var records: [Value] = []
        for item in K2Arguments.list(paged["Items"]) {
            records.append(try K2Record.record(from: item, connection: self.connection))
        }
        // NextPageURL becomes page.next; Prev/First/LastPageURL page.prev / first / last.
        var cursors: [(String, String)] = []
        for (name, key) in [
            ("next", "NextPageURL"), ("prev", "PrevPageURL"), ("first", "FirstPageURL"), ("last", "LastPageURL"),
        ] {
            guard let url = paged[key]?.stringValue, !url.isEmpty, name != "next" || !records.isEmpty else { continue }
            cursors.append((name, try self.cursor(forPageURL: url, getList: getList)))
        }
        var meta: Value.Object = [:]
        if let requested = paged["RequestedFields"], requested != .null { meta["requested_fields"] = requested }
        var envelope = Envelope(
            data: .array(records), nextCursor: cursors.first { $0.0 == "next" }?.1, meta: meta,
            upstreamStatus: answer.status)
        for (name, cursor) in cursors where name != "next" { envelope.pageCursors[name] = .string(cursor) }
        return envelope
    }

    /// `page_size`: a whole number in 1–10000, or -1 (K2's "pagination banned": every record at
    /// once, the answer still bounded by `max_response_bytes`).
    static func pageSize(_ arguments: Value) throws(GatewayError) -> Int? {
        let size = try K2Arguments.int(arguments, "page_size", in: -1...10_000)
        guard size != 0 else {
            throw GatewayError(.badRequest, "\"page_size\" is an integer in 1...10000, or -1 for every record at once")
        }
        return size
    }

    /// What a cursor stands for: a page URL to GET, or a GetList body to POST again.
    enum PageCursor: Equatable {
        case url(String)
        case getList(className: String, body: Value.Object)
    }

    /// The cursor for a page URL K2 reported. For a GetList listing the URL is not followed:
    /// its `page` and `pageState` go into the listing's DataParameterFields body.
    func cursor(forPageURL text: String, getList: (className: String, body: Value.Object)?) throws -> String {
        guard let getList else { return Base64.urlEncode(Array(try self.checkedPageURL(text).utf8)) }
        let query = text.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        var page: String?
        var pageState: String?
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let value = PercentEncoding.decode(parts.count > 1 ? parts[1] : "")
            switch PercentEncoding.decode(parts[0]).lowercased() {
            case "page": page = value
            case "pagestate": pageState = value
            default: break
            }
        }
        guard let page, Self.pageVerbs.contains(page.lowercased()), let pageState, pageState.utf8.count <= 1000 else {
            throw GatewayError(
                .upstreamError,
                "K2 reported a GetList page URL without page and pageState; the listing cannot continue",
                connection: self.connection)
        }
        var body = getList.body
        body["Page"] = .string(page)
        body["PageState"] = .string(pageState)
        let state: Value = ["getlist": .string(getList.className), "body": .object(body)]
        return Base64.urlEncode(JSON.serializeBytes(state))
    }

    static let pageVerbs: Set<String> = ["next", "prev", "first", "last"]
    /// The members of DataParameterFields a GetList cursor may carry.
    static let getListMembers: Set<String> = [
        "Conditions", "Fields", "OrderBy", "Page", "PageSize", "PageState", "orOperator",
    ]

    /// A caller's cursor back to what it stands for: a page URL below `base_url`'s Data service,
    /// without a dot segment that would climb out of it once curl or IIS resolved it; or a GetList
    /// page state for a class, with only DataParameterFields' members.
    func page(fromCursor cursor: String) throws(GatewayError) -> PageCursor {
        guard let bytes = Base64.urlDecode(cursor) else { throw Self.badCursor }
        if bytes.first == UInt8(ascii: "{") {
            guard let state = (try? JSON.parse(bytes))?.objectValue, state.members.count == 2,
                let className = state["getlist"]?.stringValue, K2Conditions.isFieldName(className),
                let body = state["body"]?.objectValue, body.keys.allSatisfy(Self.getListMembers.contains),
                body.members.allSatisfy({ $0.value.objectValue == nil && $0.value.arrayValue == nil })
            else { throw Self.badCursor }
            return .getList(className: className, body: body)
        }
        guard let url = String(validating: bytes, as: UTF8.self), self.isDataPageURL(url) else { throw Self.badCursor }
        return .url(url)
    }

    static var badCursor: GatewayError {
        GatewayError(.badRequest, "\"cursor\" is not a cursor this connection issued")
    }

    /// A caller's cursor back to the page URL it stands for (the URL form only).
    func pageURL(fromCursor cursor: String) throws -> String {
        guard case .url(let url) = try self.page(fromCursor: cursor) else { throw Self.badCursor }
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
        let answer = try await self.exchange(
            .get, url: self.url(["Data", className] + keys, query: try self.fieldsQuery(arguments, "fields")))
        return Envelope(
            data: try K2Record.record(from: answer.value, connection: self.connection), upstreamStatus: answer.status)
    }

    /// `data.create`: class, fields {name: value}, return_fields.
    func create(_ arguments: Value) async throws -> Envelope {
        let className = try K2Arguments.className(arguments)
        guard let fields = arguments["fields"]?.objectValue else {
            throw GatewayError(.badRequest, "\"fields\" is required: {name: value}")
        }
        let body = try K2Record.wrapper(className: className, fields: fields)
        let answer = try await self.write(
            .post, url: self.url(["Data", className], query: try self.fieldsQuery(arguments, "return_fields")),
            wrapper: body, isUpdate: false)
        return Envelope(
            data: try K2Record.record(from: answer.value, connection: self.connection), upstreamStatus: answer.status)
    }

    /// `data.update`: a record as read (class, keys, fields with the system fields such as
    /// TimeStamp, no_permission); fields K2 withheld are never written back.
    func update(_ arguments: Value) async throws -> Envelope {
        let className = try K2Arguments.className(arguments)
        let keys = try K2Arguments.keys(arguments)
        guard var fields = arguments["fields"]?.objectValue else {
            throw GatewayError(
                .badRequest, "\"fields\" is required, including the system fields (TimeStamp) from an earlier read")
        }
        for name in try K2Arguments.names(arguments["no_permission"], argument: "no_permission") { fields[name] = nil }
        let body = try K2Record.wrapper(className: className, fields: fields)
        let answer = try await self.write(
            .put, url: self.url(["Data", className] + keys, query: try self.fieldsQuery(arguments, "return_fields")),
            wrapper: body, isUpdate: true)
        return Envelope(
            data: try K2Record.record(from: answer.value, connection: self.connection), upstreamStatus: answer.status)
    }

    /// `data.delete_items`: class, keys, fields (the system fields), collection, items (their key fields).
    func deleteItems(_ arguments: Value) async throws -> Envelope {
        let className = try K2Arguments.className(arguments)
        let keys = try K2Arguments.keys(arguments)
        let collection = try K2Arguments.string(arguments, "collection")
        guard K2Conditions.isFieldName(collection) else {
            throw GatewayError(.badRequest, "\"collection\" is not a field name")
        }
        var fields = arguments["fields"]?.objectValue ?? [:]
        var items: [Value] = []
        for item in K2Arguments.list(arguments["items"]) {
            guard let object = item.objectValue else {
                throw GatewayError(.badRequest, "\"items\" are objects with the items' key fields")
            }
            let keyFields = object["fields"]?.objectValue ?? object
            items.append(["class": object["class"] ?? "", "fields": .object(keyFields), "deleted": true])
        }
        guard !items.isEmpty else {
            throw GatewayError(.badRequest, "\"items\" is required: the items to delete, by key fields")
        }
        fields[collection] = .array(items)
        let body = try K2Record.wrapper(className: className, fields: fields)
        let answer = try await self.write(
            .put, url: self.url(["Data", className] + keys), wrapper: body, isUpdate: true)
        return Envelope(
            data: try K2Record.record(from: answer.value, connection: self.connection), upstreamStatus: answer.status)
    }

    func fieldsQuery(_ arguments: Value, _ name: String) throws(GatewayError) -> [(String, String)] {
        let fields = try K2Arguments.names(arguments[name], argument: name)
        for field in fields where !K2Conditions.isFieldName(field) {
            throw GatewayError(.badRequest, "\"\(field.prefix(60))\" is not a field name")
        }
        return fields.isEmpty ? [] : [("fields", fields.joined(separator: ","))]
    }
}
