import GatehouseCore

/// Checkfront's answer `{"version", "account_id", ..., "request": {"status", "page", "pages",
/// "records", ...}, "<resource>": ...}` as the uniform envelope: `data` is the resource, paging
/// goes to `page` (`next` = the next page number as an opaque cursor, `total` = records), and the
/// request status to `meta.request`.
package enum CheckfrontEnvelope {
    /// The members every answer carries besides the resource.
    static let envelopeKeys: Set<String> = ["version", "account_id", "host_id", "name", "locale", "request"]

    package static func translate(status: Int, body: [UInt8], resource: String?, list: Bool, connection: String) throws
        -> Envelope
    {
        let json = try? JSON.parse(body)
        guard (200..<300).contains(status) else {
            throw Self.error(status: status, json: json, connection: connection)
        }
        guard let json, case .object(let root) = json else {
            throw GatewayError(
                .upstreamError, "Checkfront answered something other than JSON", connection: connection,
                upstreamStatus: status)
        }
        let request = root["request"]?.objectValue ?? [:]
        if let state = request["status"]?.stringValue, state.uppercased() != "OK" {
            throw Self.error(status: status, json: json, connection: connection)
        }
        var data: Value
        if let resource {
            data = root[resource] ?? .null
        } else {
            let rest = root.members.filter { !Self.envelopeKeys.contains($0.key) }
            data = rest.count == 1 ? rest[0].value : .object(Value.Object(rest))
        }
        if list { data = Self.records(data) }
        var envelope = Envelope(data: data, meta: ["request": .object(request)], upstreamStatus: status)
        if let page = request["page"]?.intValue, let pages = request["pages"]?.intValue, page < pages {
            envelope.nextCursor = String(page + 1)
        }
        if list { envelope.total = request["records"]?.intValue }
        return envelope
    }

    /// A map of records keyed by id (or PHP's `[]` for an empty map) as a list.
    static func records(_ value: Value) -> Value {
        switch value {
        case .object(let object): .array(object.members.map(\.value))
        case .array(let items): .array(items)
        case .null: .array([])
        default: value
        }
    }

    static func error(status: Int, json: Value?, connection: String) -> GatewayError {
        let oauthError = json?["error"]?.stringValue
        let title = json?["request"]?["error"]?["title"]?.stringValue ?? json?["error_description"]?.stringValue
        let message = "Checkfront answered \(status)" + (title.map { ": \(String($0.prefix(200)))" } ?? "")
        let kind = oauthError.map(OAuth2TokenEndpoint.bounded)
        switch status {
        case 404:
            return GatewayError(.notFound, message, connection: connection, upstreamStatus: status, upstreamKind: kind)
        case 429:
            return GatewayError(
                .rateLimited, message, connection: connection, upstreamStatus: status, upstreamKind: kind)
        default:
            return GatewayError(
                .upstreamError, message, connection: connection, upstreamStatus: status, upstreamKind: kind)
        }
    }
}
