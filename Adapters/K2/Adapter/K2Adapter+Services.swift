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

    /// `formation.run`: folder, name, ext (default `pas`), parameters; with a data selection
    /// (`class` plus `key` and/or `filter`) through the POST form (FormationInput).
    func formationRun(_ arguments: Value) async throws -> Envelope {
        let path = try self.scriptPath(arguments)
        let parameters = try self.scriptParameters(arguments)
        let answer: (status: Int, value: Value)
        if arguments["class"] != nil {
            var input: Value.Object = ["DataObjectName": .string(try K2Arguments.className(arguments))]
            if let key = arguments["key"]?.objectValue {
                input["CurrentPrimaryKey"] = .array(key.members.map { ["Name": .string($0.key), "Value": $0.value] })
            }
            if let conditions = try K2Conditions.build(arguments["filter"]) { input["Conditions"] = .string(conditions) }
            if try K2Arguments.bool(arguments, "or_operator") == true { input["ORConditions"] = true }
            input["Parameters"] = .array(parameters.map { ["Name": .string($0.0), "Value": $0.1] })
            answer = try await self.exchange(.post, url: self.url(["Formation"] + path), body: try self.body(.object(input), root: "FormationInput"))
        } else {
            answer = try await self.exchange(.get, url: self.url(["Formation"] + path, query: parameters.map { ($0.0, K2Failure.text(of: $0.1)) }))
        }
        var outputs = Value.Object()
        for parameter in K2Arguments.list(answer.value["Parameters"]) {
            if let name = parameter["Name"]?.stringValue { outputs[name] = parameter["Value"] ?? .null }
        }
        var data: Value.Object = ["parameters": .object(outputs)]
        if let url = answer.value["URL"]?.stringValue, !url.isEmpty { data["url"] = .string(url) }
        if let bulk = answer.value["BulkData"], bulk != .null { data["bulk_data"] = bulk }
        return Envelope(data: .object(data), upstreamStatus: answer.status)
    }

    /// `formation.download`: runs the script or report and streams the file it made.
    func formationDownload(_ arguments: Value) async throws -> Envelope {
        let path = try self.scriptPath(arguments)
        let parameters = try self.scriptParameters(arguments)
        let request = UpstreamRequest(
            method: .get,
            url: self.url(["Formation", "download"] + path, query: parameters.map { ($0.0, K2Failure.text(of: $0.1)) })
        )
        let response = try await self.client.send(request)
        guard (200..<300).contains(response.status) else {
            var buffer = (try? await response.collectBody(upTo: 64 * 1024)) ?? .init()
            throw K2Failure.error(
                status: response.status, contentType: response.headers[.contentType],
                body: buffer.readBytes(length: buffer.readableBytes) ?? [], connection: self.connection, isUpdate: false)
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
        guard let object = parameters.objectValue else { throw GatewayError(.badRequest, "\"parameters\" is an object {name: value}") }
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
