import GatehouseCore
import HTTPTypes
import Hummingbird
import NIOCore

/// The admin API under `/admin/v1`, behind the admin bearer token:
/// `GET /secrets` (metadata), `GET|PUT|DELETE /secrets/{path}`. Values go in, never out.
/// `GET /connections` (credential health of every connection) and
/// `POST /connections/{connection}/{action...}` (an adapter's ``ConnectionEndpoints`` action).
struct AdminAPI: Sendable {
    /// `nil` when config has no `admin:` section: every admin route answers 404.
    let authenticator: AdminAuthenticator?
    let vault: Vault?
    /// The gateway of the request being answered (see ``GatewayResponder/respond(to:context:)``).
    var gateway: Gateway
    /// Reloads the configuration file (`POST /admin/v1/config/reload`); `nil` when the gateway cannot.
    var reload: ConfigReload? = nil

    /// Throws unless the admin API is enabled and `request` carries the admin token.
    func verify(_ request: Request) throws {
        guard let authenticator else {
            throw GatewayError(.notFound, "the admin API is not enabled: set admin.token in the configuration")
        }
        try authenticator.verify(authorization: request.headers[.authorization])
    }

    /// Largest admin request body.
    static let maxBodyBytes = 1 << 20

    func respond(to request: Request, segments: [String], remoteAddress: String?, access: inout AccessRecord)
        async throws
        -> Response
    {
        try self.verify(request)
        access.client = "admin"
        if segments == ["config", "reload"] {
            guard request.method == .post else {
                throw GatewayError.methodNotAllowed("/admin/v1/config/reload takes POST", allow: "POST")
            }
            guard let reload else { throw GatewayError(.notFound, "this gateway cannot reload its configuration") }
            let outcome = await reload.reload(trigger: "admin-api")
            guard outcome.applied else {
                // The uniform error body, with every `file:line` problem in `errors`.
                access.errorCode = GatewayError.Code.badRequest.rawValue
                let error = GatewayError(
                    .badRequest,
                    "configuration not reloaded; the running configuration stays: "
                        + outcome.errors.joined(separator: "; "))
                var body = error.body(requestID: access.requestID)
                if case .object(var root) = body, case .object(var inner)? = root["error"] {
                    inner["errors"] = .array(outcome.errors.map(Value.string))
                    root["error"] = .object(inner)
                    body = .object(root)
                }
                return GatewayResponder.json(body, status: 400)
            }
            return GatewayResponder.json(["data": outcome.value])
        }
        if segments == ["openapi.json"] {
            guard request.method == .get else {
                throw GatewayError.methodNotAllowed("/admin/v1/openapi.json takes GET", allow: "GET")
            }
            return GatewayResponder.json(
                AdminDocument.build(connections: Array(self.gateway.connections.values), vault: self.vault != nil))
        }
        if segments.first == "connections" {
            return try await self.connections(request, segments: Array(segments.dropFirst()), access: &access)
        }
        guard segments.first == "secrets" else {
            throw GatewayError(.notFound, "no admin route for \(request.method.rawValue) \(request.uri.path)")
        }
        guard let vault else {
            throw GatewayError(.notFound, "no vault is configured: add a vault: section to the configuration")
        }
        let actor = VaultActor(
            name: "admin-api from \(remoteAddress ?? "?") request \(access.requestID)", source: .admin)
        let path = segments.dropFirst().joined(separator: "/")
        do {
            switch (request.method, path.isEmpty) {
            case (.get, true):
                return GatewayResponder.json(["data": .array(try await vault.list().map(\.value))])
            case (.get, false):
                guard let metadata = try await vault.list().first(where: { $0.path == path }) else {
                    throw VaultError.notFound(path: path)
                }
                return GatewayResponder.json(["data": metadata.value])
            case (.put, false):
                let (value, expiresAt) = try await self.secretBody(request)
                let metadata = try await vault.put(
                    try VaultPath.validated(path), value, expiresAt: expiresAt, by: actor)
                return GatewayResponder.json(["data": metadata.value], status: metadata.version == 1 ? 201 : 200)
            case (.delete, false):
                try await vault.delete(path, by: actor)
                return GatewayResponder.json(["data": ["path": .string(path), "deleted": true]])
            case (_, true):
                throw GatewayError.methodNotAllowed("/admin/v1/secrets takes GET", allow: "GET")
            default:
                throw GatewayError.methodNotAllowed(
                    "/admin/v1/secrets/{path} takes GET, PUT and DELETE", allow: "GET, PUT, DELETE")
            }
        } catch let error as VaultError {
            if error.isNotFound { throw GatewayError(.notFound, error.description) }
            if error.isInvalidInput { throw GatewayError(.badRequest, error.description) }
            throw GatewayError(.unavailable, error.description)
        }
    }

    /// `GET /connections`, `GET /connections/{c}`, `POST /connections/{c}/{action...}`.
    private func connections(_ request: Request, segments: [String], access: inout AccessRecord) async throws
        -> Response
    {
        if segments.isEmpty {
            guard request.method == .get else {
                throw GatewayError.methodNotAllowed("/admin/v1/connections takes GET", allow: "GET")
            }
            let list: [Value] = self.gateway.connections.keys.sorted().map {
                Self.status(of: self.gateway.connections[$0]!)
            }
            return GatewayResponder.json(["data": .array(list)])
        }
        guard let connection = self.gateway.connections[segments[0]] else {
            throw GatewayError(.notFound, "unknown connection \"\(segments[0].prefix(80))\"")
        }
        access.connection = connection.name
        if segments.count == 1 {
            guard request.method == .get else {
                throw GatewayError.methodNotAllowed("/admin/v1/connections/{c} takes GET", allow: "GET")
            }
            return GatewayResponder.json(["data": Self.status(of: connection)])
        }
        guard request.method == .post else {
            throw GatewayError.methodNotAllowed("connection actions take POST", allow: "POST")
        }
        guard let endpoints = connection.endpoints else {
            throw GatewayError(
                .notFound, "adapter \(connection.adapterName) has no admin actions", connection: connection.name)
        }
        var request = request
        let body = try await request.collectBody(upTo: Self.maxBodyBytes)
        let arguments =
            body.readableBytes == 0 ? Value.object([:]) : ((try? JSON.parse(body.readableBytesView)) ?? .null)
        guard case .object = arguments else { throw GatewayError(.badRequest, "expected a JSON object or no body") }
        let action = segments.dropFirst().joined(separator: "/")
        do {
            return GatewayResponder.json(["data": try await endpoints.adminAction(action, arguments: arguments)])
        } catch let error as GatewayError {
            throw error.on(connection: connection.name)
        }
    }

    /// One connection's entry in `GET /admin/v1/connections`.
    static func status(of connection: ConnectionRuntime) -> Value {
        var object: Value.Object = ["name": .string(connection.name), "adapter": .string(connection.adapterName)]
        if case .object(let report) = connection.health.current.value {
            for member in report.members { object[member.key] = member.value }
        }
        if let breaker = connection.upstreamGuard.breaker { object["circuit"] = .string(breaker.state().rawValue) }
        if let bulkhead = connection.upstreamGuard.bulkhead, let limit = bulkhead.policy.maxInFlight {
            let usage = bulkhead.usage
            object["bulkhead"] = .object([
                "max_in_flight": .int(limit), "in_flight": .int(usage.inFlight), "waiting": .int(usage.waiting),
                "max_queue": .int(bulkhead.policy.maxQueue),
            ])
        }
        return .object(object)
    }

    /// `{"value": "...", "expires_at": "2026-12-01T00:00:00Z"?}`.
    private func secretBody(_ request: Request) async throws -> (Secret, Timestamp?) {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: Self.maxBodyBytes)
        } catch {
            throw GatewayError(.payloadTooLarge, "admin request bodies are limited to \(Self.maxBodyBytes) bytes")
        }
        // The parse error is not echoed: it could quote the value.
        guard let parsed = try? JSON.parse(body.readableBytesView), case .object(let object) = parsed else {
            throw GatewayError(.badRequest, "expected a JSON object {\"value\": \"...\", \"expires_at\": \"...\"?}")
        }
        for key in object.keys where key != "value" && key != "expires_at" {
            throw GatewayError(.badRequest, "unknown field \"\(key.prefix(40))\" (known: value, expires_at)")
        }
        guard case .string(let value) = object["value"] else {
            throw GatewayError(.badRequest, "\"value\" must be a string")
        }
        var expiresAt: Timestamp?
        switch object["expires_at"] {
        case nil, .null?: break
        case .string(let text)?:
            guard let time = Timestamp(iso8601: text) else {
                throw GatewayError(.badRequest, "\"expires_at\" must be an ISO 8601 time such as 2026-12-01T00:00:00Z")
            }
            expiresAt = time
        default:
            throw GatewayError(.badRequest, "\"expires_at\" must be an ISO 8601 time such as 2026-12-01T00:00:00Z")
        }
        return (Secret(value), expiresAt)
    }
}
