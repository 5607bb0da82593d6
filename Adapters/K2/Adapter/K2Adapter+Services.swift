import GatehouseCore
import HTTPTypes

extension K2Adapter {
    /// `meta.list`: the published classes.
    func metaList() async throws -> Envelope {
        let answer = try await self.exchange(.get, url: self.url(["Meta"]))
        return Envelope(data: answer.value, upstreamStatus: answer.status)
    }

    /// `meta.get`: one class's fields, keys, children and system fields.
    func metaGet(_ arguments: Value) async throws -> Envelope {
        let answer = try await self.exchange(.get, url: self.url(["Meta", try K2Arguments.className(arguments)]))
        return Envelope(data: answer.value, upstreamStatus: answer.status)
    }

    /// `formation.list`: scripts and reports, optionally for one class.
    func formationList(_ arguments: Value) async throws -> Envelope {
        var query: [(String, String)] = []
        if arguments["class"] != nil { query.append(("ClassName", try K2Arguments.className(arguments))) }
        let answer = try await self.exchange(.get, url: self.url(["Formation"], query: query))
        return Envelope(data: answer.value, upstreamStatus: answer.status)
    }

    /// `formation.run`: folder, name, ext (default `pas`), parameters, `return_file_data`; with a
    /// data selection (`class` plus `key`, `records` and/or `filter`) or `return_url` through the
    /// POST form (FormationInput).
    func formationRun(_ arguments: Value) async throws -> Envelope {
        let path = try self.scriptPath(arguments)
        let parameters = try self.scriptParameters(arguments)
        var query: [(String, String)] = []
        // returnOutFileData: the file's bytes come back in BulkData instead of a download URL.
        if try K2Arguments.bool(arguments, "return_file_data") == true { query.append(("returnOutFileData", "true")) }
        let answer: (status: Int, value: Value)
        if let input = try self.formationInput(arguments, parameters: parameters) {
            answer = try await self.exchange(
                .post, url: self.url(["Formation"] + path, query: query),
                body: try self.body(.object(input), root: "FormationInput"))
        } else {
            answer = try await self.exchange(
                .get,
                url: self.url(["Formation"] + path, query: parameters.map { ($0.0, K2Failure.text(of: $0.1)) } + query))
        }
        var outputs = Value.Object()
        for parameter in K2Arguments.list(answer.value["Parameters"]) {
            if let name = parameter["Name"]?.stringValue { outputs[name] = parameter["Value"] ?? .null }
        }
        var data: Value.Object = ["parameters": .object(outputs)]
        if let url = answer.value["URL"]?.stringValue, !url.isEmpty { data["url"] = .string(url) }
        if let bulk = answer.value["BulkData"]?.stringValue, !bulk.isEmpty {
            data["bulk_data"] = .string(bulk.filter { !$0.isWhitespace })
        }
        return Envelope(data: .object(data), upstreamStatus: answer.status)
    }

    /// The FormationInput of a call with a data selection (`class` with `key` {field: value},
    /// `records` [{field: value}], `filter`, `or_operator`) or `return_url`; `nil` for the GET form.
    func formationInput(_ arguments: Value, parameters: [(String, Value)]) throws -> Value.Object? {
        let returnURL = try K2Arguments.bool(arguments, "return_url")
        guard arguments["class"] != nil || returnURL != nil || arguments["records"] != nil else { return nil }
        func segments(_ key: Value.Object) -> Value {
            .array(key.members.map { ["Name": .string($0.key), "Value": $0.value] })
        }
        // Members are put in DataContract order when written (K2XML.contractOrder); JSON takes any order.
        var input: Value.Object = [:]
        if let conditions = try K2Conditions.build(arguments["filter"], likeHash: self.configuration.likeHash) {
            input["Conditions"] = .string(conditions)
        }
        if let key = arguments["key"] {
            guard let object = key.objectValue else {
                throw GatewayError(.badRequest, "\"key\" is an object {field: value}")
            }
            input["CurrentPrimaryKey"] = segments(object)
        }
        if arguments["class"] != nil { input["DataObjectName"] = .string(try K2Arguments.className(arguments)) }
        if try K2Arguments.bool(arguments, "or_operator") == true { input["ORConditions"] = true }
        input["Parameters"] = .array(parameters.map { ["Name": .string($0.0), "Value": $0.1] })
        if arguments["records"] != nil {
            var keys: [Value] = []
            for record in K2Arguments.list(arguments["records"]) {
                guard let object = record.objectValue, !object.members.isEmpty else {
                    throw GatewayError(.badRequest, "\"records\" is a list of primary keys, each {field: value}")
                }
                for name in object.keys where !K2Conditions.isFieldName(name) {
                    throw GatewayError(.badRequest, "\"\(name.prefix(60))\" is not a field name")
                }
                keys.append(segments(object))
            }
            input["PrimaryKeys"] = .array(keys)
        }
        if let returnURL { input["ReturnUrl"] = .bool(returnURL) }
        return input
    }

    /// `formation.download`: runs the script or report and streams the file it made; `GET`, or
    /// `POST` with a FormationInput when the call has a data selection (as `formation.run`).
    func formationDownload(_ arguments: Value) async throws -> Envelope {
        let path = try self.scriptPath(arguments)
        let parameters = try self.scriptParameters(arguments)
        let request: UpstreamRequest
        if let input = try self.formationInput(arguments, parameters: parameters) {
            let body = try self.body(.object(input), root: "FormationInput")
            request = UpstreamRequest(
                method: .post, url: self.url(["Formation", "download"] + path),
                headers: [.contentType: body.contentType],
                body: .bytes(.init(bytes: body.bytes)))
        } else {
            request = UpstreamRequest(
                method: .get,
                url: self.url(
                    ["Formation", "download"] + path, query: parameters.map { ($0.0, K2Failure.text(of: $0.1)) }))
        }
        return try await self.streamed(request)
    }

    /// `formation.html`: `GET /Formation/html/{folder}/{name}/pas`, the HTML page a script
    /// generates, streamed back with its Content-Type.
    func formationHTML(_ arguments: Value) async throws -> Envelope {
        let path = try self.scriptPath(arguments)
        guard path[2].lowercased() == "pas" else {
            throw GatewayError(.badRequest, "only scripts (ext pas) generate HTML")
        }
        let parameters = try self.scriptParameters(arguments)
        return try await self.streamed(
            UpstreamRequest(
                method: .get,
                url: self.url(["Formation", "html"] + path, query: parameters.map { ($0.0, K2Failure.text(of: $0.1)) }))
        )
    }

    /// `formation.definition`: `GET /FormationDefinition/{folder}/{name}/{ext}`, a script's or report's definition.
    func formationDefinition(_ arguments: Value) async throws -> Envelope {
        let answer = try await self.exchange(
            .get, url: self.url(["FormationDefinition"] + (try self.scriptPath(arguments))))
        return Envelope(data: answer.value, upstreamStatus: answer.status)
    }

    /// One signed call whose answer streams to the caller, holding a licensed thread until its end.
    func streamed(_ request: UpstreamRequest) async throws -> Envelope {
        // The connection's bulkhead (K2's max_concurrency) holds the slot until the body ends.
        let response = try await self.client.send(request)
        guard (200..<300).contains(response.status) else {
            var buffer = (try? await response.collectBody(upTo: 64 * 1024)) ?? .init()
            throw K2Failure.error(
                status: response.status, contentType: response.headers[.contentType],
                body: buffer.readBytes(length: buffer.readableBytes) ?? [], connection: self.connection, isUpdate: false
            )
        }
        var envelope = Envelope(data: .null, upstreamStatus: response.status)
        envelope.stream = response
        return envelope
    }

    func scriptPath(_ arguments: Value) throws(GatewayError) -> [String] {
        let folder = try K2Arguments.string(arguments, "folder")
        let name = try K2Arguments.string(arguments, "name")
        let ext = K2Arguments.optionalString(arguments, "ext") ?? "pas"
        for part in [folder, name, ext] where !K2Conditions.isFieldName(part) {
            throw GatewayError(.badRequest, "\"\(part.prefix(60))\" is not a script folder, name or extension")
        }
        return [folder, name, ext]
    }

    func scriptParameters(_ arguments: Value) throws(GatewayError) -> [(String, Value)] {
        guard let parameters = arguments["parameters"] else { return [] }
        guard let object = parameters.objectValue else {
            throw GatewayError(.badRequest, "\"parameters\" is an object {name: value}")
        }
        for name in object.keys where !K2Conditions.isFieldName(name) {
            throw GatewayError(.badRequest, "\"\(name.prefix(60))\" is not a script parameter name")
        }
        return object.members.map { ($0.key, $0.value) }
    }
}

extension K2Failure {
    /// A scalar as query text.
    static func text(of value: Value) -> String {
        switch value {
        case .string(let s): s
        case .number(let n): n
        case .bool(let b): b ? "true" : "false"
        default: JSON.serialize(value)
        }
    }
}
