import HTTPTypes
import Logging
import Synchronization

/// Numbers ``ConnectionRuntime/instance``.
private let runtimeCounter = Atomic<UInt64>(0)

/// One configured connection, ready to serve.
public struct ConnectionRuntime: Sendable {
    /// The connection's name.
    public let name: String
    /// The adapter kind's name, reported in envelopes.
    public let adapterName: String
    /// The adapter instance for this connection.
    public let adapter: any Adapter
    /// The connection's credential health, as its adapter reports it.
    public let health: ConnectionHealth

    /// The connection's rate limit (`rate_limit`), when configured.
    public let rateLimiter: RateLimiter?
    /// The connection's bulkhead and circuit breaker.
    public let upstreamGuard: UpstreamGuard

    /// The canonical text of the connection's configuration entry (``ConfigNode/fingerprint``):
    /// a reload keeps this runtime, adapter state and tokens included, while it is unchanged.
    public let fingerprint: String
    /// Unique per built runtime: a kept runtime keeps its number, a rebuilt one gets a new one.
    public let instance: UInt64

    /// The adapter's own routes (`/oauth/{connection}/...`, admin actions), when it has any.
    public var endpoints: (any ConnectionEndpoints)? { self.adapter as? any ConnectionEndpoints }

    /// The adapter's background work, when it has any.
    public var maintenance: (any ConnectionMaintenance)? { self.adapter as? any ConnectionMaintenance }
}

/// The core of the gateway: connections built from config through the adapter registry, and
/// the authenticators that decide who may call which connection. No HTTP framework here.
public struct Gateway: Sendable {
    /// Connections by name.
    public let connections: [String: ConnectionRuntime]
    private let apiKeys: APIKeyAuthenticator
    /// `authenticator: token` clients: client prefix header → client prefix → the authenticator
    /// of its validator connection.
    private let tokenAuthenticators:
        [(header: HTTPField.Name, byPrefix: [String: DelegatedTokenAuthenticator<ContinuousClock>])]
    /// The inbound headers the registered adapter kinds read as credentials (lowercased), never
    /// forwarded (``HeaderPolicy/upstreamHeaders(from:credentialHeaders:)``).
    public let inboundCredentialHeaders: Set<String>
    /// Per-caller rate limits by client name.
    private let clientRateLimiters: [String: RateLimiter]
    /// Each client's rate-limit policy, so a reload keeps the limiter of an unchanged one.
    private let clientRatePolicies: [String: RateLimitPolicy]

    /// Builds every connection of `configuration`. Throws ``ConfigError`` for adapter option
    /// problems. `logger` and `vault` (for adapters that store obtained tokens) are handed to
    /// the adapters.
    ///
    /// With `previous` (a config reload), a connection whose entry is unchanged (same
    /// ``ConfigNode/fingerprint`` and adapter) keeps its runtime: the same adapter with its
    /// obtained tokens, health, rate limiter and circuit breaker. Others are built anew.
    public init(
        configuration: GatewayConfiguration,
        registry: AdapterRegistry,
        transport: any UpstreamTransport,
        secrets: any SecretSource,
        vault: Vault? = nil,
        pemFiles: [String: Secret] = [:],
        logger: Logger = Logger(label: "gatehouse"),
        previous: Gateway? = nil
    ) throws {
        var connections: [String: ConnectionRuntime] = [:]
        let inboundCredentialHeaders = registry.inboundCredentialHeaders
        for connection in configuration.connections {
            let fingerprint = connection.node.fingerprint
            if let kept = previous?.connections[connection.name], kept.fingerprint == fingerprint {
                connections[connection.name] = kept
                continue
            }
            guard let kind = registry.kind(named: connection.adapter) else {
                throw connection.node.error("unknown adapter \"\(connection.adapter)\"")
            }
            let credentials = Credentials(
                connection: connection.name,
                references: Dictionary(
                    connection.credentials.map { ($0.name, $0.reference) }, uniquingKeysWith: { a, _ in a }),
                source: secrets
            )
            let upstreamGuard = UpstreamGuard(
                limits: connection.limits, defaults: try kind.bulkheadDefaults(connection.options),
                connection: connection.name)
            let client = UpstreamClient(
                connection: connection.name,
                baseURL: connection.baseURL,
                transport: transport,
                options: connection.transport,
                followRedirects: connection.followRedirects,
                maxResponseBytes: connection.maxResponseBytes,
                identity: TransportIdentitySource(connection: connection, source: secrets, pemFiles: pemFiles),
                upstreamGuard: upstreamGuard
            )
            var adapterLogger = logger
            adapterLogger[metadataKey: "connection"] = .string(connection.name)
            let health = ConnectionHealth()
            let adapter = try kind.make(
                AdapterSetup(
                    connection: connection, client: client, credentials: credentials, logger: adapterLogger,
                    vault: vault,
                    vaultConfigured: configuration.usesVault, health: health,
                    inboundCredentialHeaders: inboundCredentialHeaders)
            )
            connections[connection.name] = ConnectionRuntime(
                name: connection.name, adapterName: kind.name, adapter: adapter, health: health,
                rateLimiter: connection.limits.rateLimit.map { RateLimiter(policy: $0) }, upstreamGuard: upstreamGuard,
                fingerprint: fingerprint, instance: runtimeCounter.wrappingAdd(1, ordering: .relaxed).newValue)
        }
        self.connections = connections
        self.inboundCredentialHeaders = inboundCredentialHeaders
        self.apiKeys = APIKeyAuthenticator(
            entries: configuration.clients.compactMap { client in
                guard case .apiKey(let hash) = client.authenticator else { return nil }
                return (hash, Principal(name: client.name, connections: Set(client.connections)))
            }
        )
        self.tokenAuthenticators = try Self.tokenAuthenticators(
            configuration: configuration, registry: registry, connections: connections)
        var limiters: [String: RateLimiter] = [:]
        var policies: [String: RateLimitPolicy] = [:]
        for client in configuration.clients {
            guard let policy = client.rateLimit, limiters[client.name] == nil else { continue }
            if let previous, previous.clientRatePolicies[client.name] == policy,
                let kept = previous.clientRateLimiters[client.name]
            {
                limiters[client.name] = kept
            } else {
                limiters[client.name] = RateLimiter(policy: policy)
            }
            policies[client.name] = policy
        }
        self.clientRateLimiters = limiters
        self.clientRatePolicies = policies
    }

    /// Takes a token from the caller's and the connection's rate limits (the caller's first:
    /// a refused caller costs the connection nothing). Throws 429 `rate_limited` with
    /// `Retry-After` when either is empty; otherwise returns the tighter of the two states for
    /// the `RateLimit-*` headers, or `nil` when neither applies.
    public func admit(_ principal: Principal, to connection: ConnectionRuntime) throws -> RateLimitedAdmission? {
        var tightest: RateLimitStatus?
        let limiters: [(RateLimiter, RateLimitedAdmission.Scope)] =
            [
                self.clientRateLimiters[principal.name].map { ($0, .client) },
                connection.rateLimiter.map { ($0, .connection) },
            ]
            .compactMap { $0 }
        for (limiter, scope) in limiters {
            switch limiter.take() {
            case .admitted(let status):
                if tightest.map({ status.remaining < $0.remaining }) ?? true { tightest = status }
            case .limited(let status, let retryAfter):
                throw Self.refusal(
                    scope, status: status, retryAfter: retryAfter, principal: principal, connection: connection)
            }
        }
        return tightest.map { RateLimitedAdmission(status: $0) }
    }

    /// The refusal ``admit(_:to:)`` would throw now, decided without taking a token: the caller's
    /// limit is empty, or the caller has none and the connection's is empty. `nil` otherwise,
    /// also when the caller's limit would admit and the connection's refuse (`admit` takes the
    /// caller's token in that case, which a look cannot). For answering refusals early
    /// (``admit(_:to:)`` still decides every request this lets through).
    public func immediateRefusal(_ principal: Principal, to connection: ConnectionRuntime)
        -> RateLimitedAdmission.Refusal?
    {
        let scope: RateLimitedAdmission.Scope
        let decision: RateLimiter.Decision?
        if let limiter = self.clientRateLimiters[principal.name] {
            scope = .client
            decision = limiter.refusal()
        } else if let limiter = connection.rateLimiter {
            scope = .connection
            decision = limiter.refusal()
        } else {
            return nil
        }
        guard case .limited(let status, let retryAfter) = decision else { return nil }
        return Self.refusal(scope, status: status, retryAfter: retryAfter, principal: principal, connection: connection)
    }

    /// Whether ``immediateRefusal(_:to:)`` can refuse anyone on `connection` now: some client
    /// has a limit of its own, or the connection's is empty. Without the caller, so it costs
    /// the requests that will be admitted no authentication.
    public func mayRefuseImmediately(on connection: ConnectionRuntime) -> Bool {
        !self.clientRateLimiters.isEmpty || connection.rateLimiter?.refusal() != nil
    }

    private static func refusal(
        _ scope: RateLimitedAdmission.Scope, status: RateLimitStatus, retryAfter: Int, principal: Principal,
        connection: ConnectionRuntime
    ) -> RateLimitedAdmission.Refusal {
        let whose = scope == .client ? "client \"\(principal.name)\"" : "connection \"\(connection.name)\""
        return RateLimitedAdmission.Refusal(
            scope: scope,
            error: GatewayError(
                .rateLimited, "the rate limit of \(whose) is reached; try again in \(retryAfter) s",
                connection: connection.name, retryAfterSeconds: retryAfter, rateLimit: status))
    }

    /// The API-key client a request's credentials name, decided without suspending: `nil` unless
    /// they carry a `gh_` key that matches (anything else, a refusal included, is left to
    /// ``authenticate(_:)``). For answering refusals early.
    public func immediatePrincipal(_ credentials: InboundCredentials) -> Principal? {
        (try? self.apiKeys.principal(for: credentials)) ?? nil
    }

    /// Identifies the caller: a `gh_` bearer key → the API-key clients; otherwise a client
    /// prefix in a validator's header (``AdapterKind/clientPrefixHeader``) → the
    /// `authenticator: token` client listing that prefix (its token validated through its
    /// validator connection). Throws 401 `unauthenticated` when no authenticator admits the
    /// request, 503 `unavailable` when a validator cannot answer.
    nonisolated(nonsending) public func authenticate(_ credentials: InboundCredentials) async throws -> Principal {
        try await GatewaySpans.run(GatewaySpans.authenticate) { try await self.authenticateUntraced(credentials) }
    }

    nonisolated(nonsending) private func authenticateUntraced(_ credentials: InboundCredentials) async throws
        -> Principal
    {
        if let principal = try await self.apiKeys.authenticate(credentials) { return principal }
        for (header, byPrefix) in self.tokenAuthenticators {
            guard let prefix = credentials.headers[header] else { continue }
            guard let authenticator = byPrefix[prefix],
                let principal = try await authenticator.authenticate(credentials)
            else { throw GatewayError.unauthenticatedCaller }
            return principal
        }
        // One body for every refusal (``GatewayError/unauthenticatedCaller``).
        throw GatewayError.unauthenticatedCaller
    }

    /// The connection `name` for `principal`: 404 when unknown, 403 when not granted.
    public func connection(_ name: String, for principal: Principal) throws -> ConnectionRuntime {
        guard let connection = self.connections[name] else {
            throw GatewayError(.notFound, "unknown connection \"\(name)\"")
        }
        guard principal.mayUse(name) else {
            throw GatewayError(
                .forbidden, "client \"\(principal.name)\" may not use connection \"\(name)\"", connection: name)
        }
        return connection
    }
}
