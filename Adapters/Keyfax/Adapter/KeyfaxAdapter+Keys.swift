import GatehouseCore
import GatehouseCrypto
import HTTPTypes

extension KeyfaxAdapter {
    static let hookName = "keyfax-keys"
    static let hookSecretHeader = HTTPField.Name("X-Gatehouse-Hook-Secret")!
    /// The shortest web hook secret accepted: it is all that guards key delivery.
    static let minimumHookSecretBytes = 32
    static let weakHookSecretMessage =
        """
        hook_secret must be at least \(minimumHookSecretBytes) bytes (it alone guards the key-delivery web hook); \
        e.g. `openssl rand -hex 32`
        """

    static func isStrongHookSecret(_ secret: Secret) -> Bool {
        secret.withBytes { $0.count } >= Self.minimumHookSecretBytes
    }

    /// Performs one of ``adminActions``: `keyfax/bootstrap`, `keyfax/rotate`, `keyfax/delete`,
    /// `keyfax/import` (`{apiKey, signingKey}`).
    public func adminAction(_ action: String, arguments: Value) async throws -> Value {
        let actor = VaultActor(name: "keyfax \(self.connection) \(action)", source: .adapter)
        switch action {
        case "keyfax/bootstrap": return try await self.bootstrap(by: actor)
        case "keyfax/rotate": return try await self.rotate(by: actor)
        case "keyfax/delete": return try await self.deleteKeys(by: actor)
        case "keyfax/import":
            guard let apiKey = arguments["apiKey"]?.stringValue, let signingKey = arguments["signingKey"]?.stringValue
            else {
                throw GatewayError(
                    .badRequest, "import takes {\"apiKey\": \"...\", \"signingKey\": \"...\"} (as Keyfax emails them)")
            }
            try await self.keys.store(
                apiKey: apiKey, signingKey: signingKey, by: VaultActor(name: actor.name, source: .admin))
            return ["imported": true, "api_key": .string(apiKey)]
        default:
            throw GatewayError(
                .notFound,
                "unknown action \"\(action)\" (known: keyfax/bootstrap, keyfax/rotate, keyfax/delete, keyfax/import)")
        }
    }

    /// The key lifecycle: the first keys and a rotation delivered to the web hook (both console
    /// buttons), deleting the stored pair, importing an emailed one.
    public var adminActions: [ConnectionAction] {
        [
            ConnectionAction(
                name: "keyfax/bootstrap", title: "Bootstrap keys",
                confirmation:
                    """
                    Ask Keyfax for this host's first key pair and store it in the vault? Keyfax issues first keys \
                    only once per host.
                    """
            ),
            ConnectionAction(
                name: "keyfax/rotate", title: "Rotate keys",
                confirmation:
                    """
                    Ask Keyfax for a new key pair? It is delivered to this gateway's web hook; calls signed with \
                    the old keys stop working.
                    """
            ),
            ConnectionAction(name: "keyfax/delete", title: "Delete the stored keys", inConsole: false),
            ConnectionAction(
                name: "keyfax/import", title: "Import emailed keys",
                input: #"{"apiKey": "...", "signingKey": "..."} as Keyfax emails them"#),
        ]
    }

    /// `GET /api/v1/key?hostName=`: the first keys for this host, stored in the vault.
    func bootstrap(by actor: VaultActor) async throws -> Value {
        let host = PercentEncoding.encode(self.configuration.hostName)
        let request = UpstreamRequest(
            method: .get, url: self.client.url(path: "/api/v1/key", query: "hostName=\(host)"),
            headers: [.accept: "application/json"],
            purpose: .credential)
        let (response, body) = try await self.client.sendCollecting(request)
        self.clock.learn(from: response.headers)
        if response.status == 400 {
            throw GatewayError(
                .conflict,
                """
                Keyfax will not issue initial keys for host \(self.configuration.hostName): keys already exist for \
                it (import the emailed keys with `gatehouse keyfax import`, or delete them upstream), or the host \
                is not configured for the Web API (kfServerConfig.xml WebApi/KeyGen)
                """,
                connection: self.connection,
                upstreamStatus: 400
            )
        }
        let value = (try? JSON.parse(body)) ?? .null
        guard response.status == 201 || response.status == 200, let apiKey = value["apiKey"]?.stringValue,
            let signingKey = value["signingKey"]?.stringValue
        else {
            throw KeyfaxErrors.upstream(
                status: response.status, body: body, doing: "bootstrap keys", connection: self.connection)
        }
        try await self.keys.store(apiKey: apiKey, signingKey: signingKey, by: actor)
        self.logger.notice("keyfax keys bootstrapped", metadata: ["connection": .string(self.connection)])
        return ["bootstrapped": true, "api_key": .string(apiKey), "host": .string(self.configuration.hostName)]
    }

    /// `POST /api/v1/key`: Keyfax posts the new pair to the web hook and answers with the new API
    /// key; the rotation completes when both agree. Waits up to `wait` for a late web hook.
    ///
    /// One rotation at a time across every instance sharing the vault: callers on this instance
    /// share the one running (``SingleFlight``); another instance's rotation holds the store's
    /// lease `{connection}/rotation`, and a rotation asked for meanwhile is refused with 409.
    func rotate(by actor: VaultActor, wait: Duration = .seconds(10)) async throws -> Value {
        guard self.hasHookSecret else {
            throw GatewayError(
                .badRequest,
                """
                rotation needs credentials.hook_secret: Keyfax delivers the new keys to \
                /hooks/\(self.connection)/keyfax-keys/<secret>
                """,
                connection: self.connection)
        }
        let hookSecret = try self.credentials.secret("hook_secret")
        guard Self.isStrongHookSecret(hookSecret) else {
            throw GatewayError(
                .badRequest, "rotation refused: " + Self.weakHookSecretMessage, connection: self.connection)
        }
        return try await self.rotations.run(self.connection) {
            let vault = try self.keys.openVault()
            let lifecycle = vault.configuration.lifecycle
            let acquisition: LeaseAcquisition
            do {
                acquisition = try await vault.store.acquireLease(
                    self.keys.rotationPath, holder: lifecycle.instanceID, milliseconds: lifecycle.leaseMilliseconds)
            } catch {
                throw GatewayError(
                    .unavailable, "the vault store is unreachable; the keys cannot be rotated now",
                    connection: self.connection)
            }
            guard case .acquired(let lease) = acquisition else {
                throw GatewayError(
                    .conflict,
                    """
                    a key rotation for connection \(self.connection) is already under way on another instance; it \
                    completes when Keyfax delivers the new keys to the web hook
                    """,
                    connection: self.connection)
            }
            let held = LeaseKeeper(lease: lease, store: vault.store, milliseconds: lifecycle.leaseMilliseconds)
            do {
                let result = try await self.rotateHoldingLease(by: actor, wait: wait, vault: vault, keeper: held)
                await held.release()
                return result
            } catch {
                await held.release()
                throw error
            }
        }
    }

    /// One rotation, holding the lease (kept alive while the web hook is awaited).
    private func rotateHoldingLease(by actor: VaultActor, wait: Duration, vault: Vault, keeper: LeaseKeeper)
        async throws -> Value
    {
        let requestedAt = self.clock.local.seconds
        try await self.keys.recordRotation(.init(requestedAt: requestedAt, apiKey: nil), by: actor)
        let response: UpstreamResponse
        let body: [UInt8]
        do {
            (response, body) = try await self.keyCall(.post, "/api/v1/key")
        } catch {
            try? await self.keys.endRotation(by: actor)
            throw error
        }
        guard response.status == 200 || response.status == 201,
            let apiKey = ((try? JSON.parse(body)) ?? .null)["apiKey"]?.stringValue
        else {
            try? await self.keys.endRotation(by: actor)
            if response.status == 500 {
                throw GatewayError(
                    .upstreamError,
                    """
                    Keyfax could not deliver the new keys to the web hook: its KeyGen WebHookUrl must point at \
                    this gateway's /hooks/\(self.connection)/keyfax-keys/<secret>
                    """,
                    connection: self.connection,
                    upstreamStatus: 500
                )
            }
            throw KeyfaxErrors.upstream(
                status: response.status, body: body, doing: "rotate keys", connection: self.connection)
        }
        try await self.keys.recordRotation(.init(requestedAt: requestedAt, apiKey: apiKey), by: actor)
        let deadline = ContinuousClock.now + wait
        while true {
            // Another process (the gateway receiving the hook) may have parked or completed it.
            _ = try? await vault.reloadIfChanged()
            if try await self.keys.completeIfMatched(
                now: self.clock.local, by: VaultActor(name: actor.name, source: .webhook))
            {
                break
            }
            if (try? self.keys.current().apiKey) == apiKey { break }
            if let incoming = self.keys.incoming(), incoming.apiKey != apiKey {
                try? await self.keys.endRotation(by: actor)
                throw GatewayError(
                    .conflict, "the keys delivered to the web hook do not match the API key Keyfax answered",
                    connection: self.connection)
            }
            guard ContinuousClock.now < deadline else {
                return [
                    "rotated": false, "pending": true, "api_key": .string(apiKey),
                    "message": "waiting for Keyfax to deliver the new keys to the web hook",
                ]
            }
            try await Task.sleep(for: .milliseconds(100))
            await keeper.keepAlive()
        }
        self.logger.notice("keyfax keys rotated", metadata: ["connection": .string(self.connection)])
        return ["rotated": true, "api_key": .string(apiKey)]
    }

    /// `DELETE /api/v1/key?hostName=`, then the keys and JWT leave the vault.
    func deleteKeys(by actor: VaultActor) async throws -> Value {
        let host = PercentEncoding.encode(self.configuration.hostName)
        let request = UpstreamRequest(
            method: .delete, url: self.client.url(path: "/api/v1/key", query: "hostName=\(host)"),
            headers: [.accept: "application/json"])
        let response = try await self.send(request, auth: .basic)
        let body = (try? await response.collectBody(upTo: 1 << 16)).map { Array($0.readableBytesView) } ?? []
        guard response.status == 200 || response.status == 304 else {
            throw KeyfaxErrors.upstream(
                status: response.status, body: body, doing: "delete keys", connection: self.connection)
        }
        try await self.keys.clear(by: actor)
        if response.status == 304 {
            // Seed 001: "the supplied host name was not found within the Keyfax database".
            return [
                "deleted": true, "upstream_status": 304,
                "message": .string(
                    "Keyfax holds no keys for host \(self.configuration.hostName); the keys in the vault were removed"),
            ]
        }
        return ["deleted": true, "upstream_status": .int(response.status)]
    }

    /// A key-management call: always the Basic scheme, always JSON.
    func keyCall(_ method: HTTPRequest.Method, _ path: String) async throws -> (UpstreamResponse, [UInt8]) {
        let response = try await self.send(
            UpstreamRequest(
                method: method, url: self.client.url(path: path, query: nil), headers: [.accept: "application/json"],
                purpose: .credential),
            auth: .basic)
        var buffer = try await response.collectBody(upTo: 1 << 20)
        return (response, buffer.readBytes(length: buffer.readableBytes) ?? [])
    }

    // MARK: The web hook

    /// `POST /hooks/{connection}/keyfax-keys/{secret}` (or the secret in `X-Gatehouse-Hook-Secret`):
    /// Keyfax delivering `{apiKey, signingKey, schemaName, hostName}` after a rotation this
    /// gateway requested. Anything else is refused and nothing is stored; keys are never logged.
    public func hook(_ request: EndpointRequest) async throws -> EndpointResponse {
        let parts = request.name.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.first == Self.hookName else { throw GatewayError(.notFound, "no such web hook") }
        let given = parts.count > 1 ? parts[1] : (request.headers[Self.hookSecretHeader] ?? "")
        guard self.hasHookSecret, let expected = try? self.credentials.secret("hook_secret"),
            Self.isStrongHookSecret(expected),
            expected.withBytes({ ConstantTime.equals(Digest.sha256($0), Digest.sha256(Array(given.utf8))) })
        else {
            self.logger.warning("keyfax web hook: wrong secret", metadata: ["connection": .string(self.connection)])
            throw GatewayError(.unauthenticated, "the web hook secret is not valid")
        }
        let delivered = try KeyfaxHookBody(parsing: request.body)
        let (apiKey, signingKey) = (delivered.apiKey, delivered.signingKey)
        guard delivered.hostName == self.configuration.hostName else {
            self.logger.warning(
                "keyfax web hook: keys for another host refused", metadata: ["connection": .string(self.connection)])
            throw GatewayError(.forbidden, "these keys are for another host name")
        }
        let vault = try self.keys.openVault()
        _ = try? await vault.reloadIfChanged()
        let now = self.clock.local
        let actor = VaultActor(name: "keyfax \(self.connection) web hook", source: .webhook)
        guard let rotation = self.keys.rotation(now: now) else {
            throw GatewayError(
                .conflict, "no key rotation is pending for this connection (rotations wait 15 minutes for their keys)")
        }
        if let expected = rotation.apiKey, expected != apiKey {
            throw GatewayError(.conflict, "the apiKey does not match the rotation Keyfax confirmed")
        }
        try await self.keys.park(apiKey: apiKey, signingKey: signingKey, now: now, by: actor)
        let completed = try await self.keys.completeIfMatched(now: now, by: actor)
        self.logger.notice(
            "keyfax web hook: keys received",
            metadata: ["connection": .string(self.connection), "completed": .stringConvertible(completed)])
        return EndpointResponse(
            status: completed ? 200 : 202, contentType: "application/json",
            body: JSON.serializeBytes(["received": true]))
    }
}
