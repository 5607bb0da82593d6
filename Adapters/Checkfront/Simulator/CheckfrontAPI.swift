import GatehouseCore
import GatehouseCrypto
import HTTPTypes
import Hummingbird
import NIOCore

/// `/api/3.0/...`: authentication (token pair as Basic, or an OAuth2 Bearer token) and the
/// resources, in Checkfront's envelope.
enum CheckfrontAPI {
    static func respond(to request: Request, state: CheckfrontSimulatorState) async throws -> Response {
        let body = try await CheckfrontRoutes.bytes(of: request)
        let query = FormEncoding.pairs(request.uri.query ?? "")
        let authorization = request.headers[.authorization] ?? ""
        var basic: (id: String, secret: String)?
        if authorization.lowercased().hasPrefix("basic "),
            let decoded = Base64.decode(String(authorization.dropFirst(6)))
        {
            let text = String(decoding: decoded, as: UTF8.self)
            if let colon = text.firstIndex(of: ":") {
                basic = (String(text[..<colon]), String(text[text.index(after: colon)...]))
            }
        }
        let secret = state.clientSecret
        let carriesSecret =
            basic?.secret == secret || request.headers.contains { $0.value.contains(secret) }
            || (request.uri.query ?? "").contains(secret) || String(decoding: body, as: UTF8.self).contains(secret)
        let queryToken = query.first { $0.name == "access_token" }?.value
        if let redirect = state.recordAPI(carriesSecret: carriesSecret, tokenInURL: queryToken != nil) {
            return Response(
                status: .movedPermanently, headers: [.location: redirect + request.uri.path],
                body: .init(byteBuffer: ByteBuffer(string: "Moved\n")))
        }
        if let basic, basic.id == state.clientID {
            return Self.unauthorized(
                state, "invalid_request", "Consumer credentials are only accepted at /oauth/token/")
        }
        let authenticated: Bool
        if let basic {
            authenticated = state.tokenPairs[basic.id] == basic.secret
        } else if authorization.lowercased().hasPrefix("bearer ") {
            authenticated = state.isLive(access: String(authorization.dropFirst(7)))
        } else if let queryToken {
            authenticated = state.isLive(access: queryToken)
        } else {
            return Self.unauthorized(state, "invalid_request", "The request is missing credentials")
        }
        guard authenticated else {
            return Self.unauthorized(state, "invalid_token", "The access token provided is invalid or has expired")
        }

        let parts = request.uri.path.split(separator: "/").map(String.init)
        guard parts.count >= 3, parts[1] == "3.0" else { return Self.notFound("unknown API version") }
        let resource = Array(parts.dropFirst(2))
        switch (request.method, resource.count, resource.first) {
        case (.get, 1, "ping"):
            return Self.ok(["resource": "ping"], [("pong", true)])
        case (.get, 1, "item"):
            var items = CheckfrontData.items
            if let category = query.first(where: { $0.name == "category_id" })?.value {
                items = items.filter { $0["category_id"]?.idText == category }
            }
            // PHP's json_encode: an empty map is `[]`.
            let map: Value =
                items.isEmpty
                ? .array([]) : .object(Value.Object(items.map { .init($0["item_id"]!.idText!, .object($0)) }))
            return Self.ok(["resource": "item", "records": .int(items.count)], [("items", map)])
        case (.get, 2, "item"):
            guard let item = CheckfrontData.items.first(where: { $0["item_id"]?.idText == resource[1] }) else {
                return Self.notFound("Item not found")
            }
            return Self.ok(["resource": "item", "id": .string(resource[1])], [("item", .object(item))])
        case (.get, 2, "booking") where resource[1] == "index":
            let limit = max(1, Int(query.first { $0.name == "limit" }?.value ?? "") ?? 100)
            let page = max(1, Int(query.first { $0.name == "page" }?.value ?? "") ?? 1)
            let all = state.bookings
            let pages = max(1, (all.count + limit - 1) / limit)
            let slice = all.dropFirst((page - 1) * limit).prefix(limit)
            let map: Value =
                slice.isEmpty
                ? .array([]) : .object(Value.Object(slice.map { .init($0["booking_id"]!.idText!, .object($0)) }))
            return Self.ok(
                [
                    "resource": "booking", "records": .int(all.count), "limit": .int(limit), "page": .int(page),
                    "pages": .int(pages),
                ],
                [("booking/index", map)]
            )
        case (.get, 2, "booking"):
            guard let booking = state.bookings.first(where: { $0["booking_id"]?.idText == resource[1] }) else {
                return Self.notFound("Booking not found")
            }
            return Self.ok(["resource": "booking", "id": .string(resource[1])], [("booking", .object(booking))])
        case (.post, 3, "booking") where resource[2] == "update":
            guard (request.headers[.contentType] ?? "").hasPrefix("application/x-www-form-urlencoded") else {
                return CheckfrontRoutes.json(
                    CheckfrontData.envelope(
                        ["status": "ERROR", "error": ["title": "Expected a form-encoded body"]], []),
                    status: .badRequest)
            }
            let form = FormEncoding.pairs(String(decoding: body, as: UTF8.self))
            guard let booking = state.updateBooking(id: resource[1], form: form) else {
                return Self.notFound("Booking not found")
            }
            return Self.ok(
                ["resource": "booking", "method": "update", "id": .string(resource[1])], [("booking", .object(booking))]
            )
        default:
            return Self.notFound("Unknown resource")
        }
    }

    static func ok(_ request: Value.Object, _ members: [(String, Value)]) -> Response {
        CheckfrontRoutes.json(CheckfrontData.envelope(request, members))
    }

    static func notFound(_ title: String) -> Response {
        CheckfrontRoutes.json(
            CheckfrontData.envelope(["status": "ERROR", "error": ["title": .string(title)]], []), status: .notFound)
    }

    static func unauthorized(_ state: CheckfrontSimulatorState, _ error: String, _ description: String) -> Response {
        state.recordAPIUnauthorized()
        var response = CheckfrontRoutes.json(
            ["error": .string(error), "error_description": .string(description)], status: .unauthorized)
        response.headers[.wwwAuthenticate] = "Bearer realm=\"Checkfront\", error=\"\(error)\""
        return response
    }
}
