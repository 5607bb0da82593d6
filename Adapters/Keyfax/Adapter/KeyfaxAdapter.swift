import GatehouseCore
import GatehouseCrypto
import HTTPTypes
import Logging
import NIOCore

/// Keyfax Web API (seeds 000/001; the recipe in Adapters/Keyfax/README.md): the five-field HMAC "Basic" scheme or
/// `Bearer {host}:{jwt}` for Gatehouse's own calls; keys bootstrapped, rotated (delivered by web
/// hook) and imported into the vault; JWTs renewed ahead of expiry; start-up, results and the
/// client-side token as operations; everything else through proxy mode, signed.
public struct KeyfaxAdapter: Adapter, ConnectionEndpoints {
    /// The registration used by the executable's built-in list.
    public static let kind = AdapterKind(name: "keyfax") { setup in try KeyfaxAdapter(setup: setup) }

    public let configuration: Configuration
    let connection: String
    let client: UpstreamClient
    let credentials: Credentials
    let keys: KeyfaxKeyStore
    /// The JWT Gatehouse's own Bearer calls carry (`auth: bearer`, `client_token`).
    let jwt: ObtainedCredential
    /// Sends with `Bearer {host}:{jwt}`, renewing the JWT once and retrying once on 401.
    let bearer: RequestAuthorizer
    let clock: KeyfaxClock
    let signer: KeyfaxSigner
    let health: ConnectionHealth
    let logger: Logger
    let hasHookSecret: Bool
    /// Key rotations asked for on this instance while one runs share it.
    let rotations = SingleFlight<String, Value>()

    /// Builds the adapter for one connection; `now` is injectable for tests.
    public init(setup: AdapterSetup, now: @escaping @Sendable () -> Timestamp = { Timestamp.now() }) throws {
        var options = try setup.options()
        let configuration = try Configuration(options: &options)
        try options.finish()
        try setup.requireVault(because: "adapter keyfax (its keys and JWTs live in the vault)")
        for credential in setup.connection.credentials where credential.name != "hook_secret" {
            throw credential.node.error(
                """
                adapter keyfax takes only credentials.hook_secret; its keys live in the vault under \
                \(setup.connection.name)/
                """
            )
        }
        if let credential = setup.connection.credentials.first(where: { $0.name == "hook_secret" }),
            let secret = try? setup.credentials.secret("hook_secret"), !Self.isStrongHookSecret(secret)
        {
            // Checked here when it can be read (a vault value put later is checked at each use).
            throw credential.node.error(Self.weakHookSecretMessage)
        }
        if setup.connection.followRedirects {
            throw setup.connection.node.error(
                "follow_redirects: true is not allowed for adapter keyfax: signed requests go to base_url only")
        }
        self.configuration = configuration
        self.connection = setup.connection.name
        self.client = setup.client
        self.credentials = setup.credentials
        self.health = setup.health
        self.logger = setup.logger
        self.hasHookSecret = setup.connection.credentials.contains { $0.name == "hook_secret" }
        let clock = KeyfaxClock(now: now)
        self.clock = clock
        self.signer = KeyfaxSigner(configuration: configuration.signing)
        let keys = KeyfaxKeyStore(connection: setup.connection.name, vault: setup.vault)
        self.keys = keys
        let client = setup.client
        let signer = self.signer
        let hostName = configuration.hostName
        let connection = setup.connection.name
        self.jwt = Self.jwtCredential(
            keys: keys, health: setup.health, margin: configuration.renewMarginSeconds, clock: clock,
            logger: setup.logger
        ) {
            renewing in
            try await Self.obtainToken(
                renewing: renewing, client: client, keys: keys, signer: signer, hostName: hostName, clock: clock,
                connection: connection)
        }
        self.bearer = RequestAuthorizer(client: client, credential: self.jwt) { token in
            KeyfaxRequestSigner(credential: .bearer(token.reveal()), hostName: hostName, signer: signer, clock: clock)
        }
    }

    // MARK: Proxy

    public func proxy(_ call: ProxyCall) async throws -> UpstreamResponse {
        let body = try await Self.buffer(call.body, limit: self.client.maxResponseBytes, connection: self.connection)
        var request = UpstreamRequest(
            method: call.method, url: self.client.url(path: call.path, query: call.query), headers: call.headers,
            body: body)
        request.headers[.authorization] = nil
        return try await self.send(request)
    }

    /// Sends with the connection's scheme. Basic: a 401 after a key switch or a clock-skew
    /// correction is re-signed and retried once. Bearer: a 401 forces one renewal and one retry.
    func send(_ request: UpstreamRequest, auth: Configuration.Auth? = nil) async throws -> UpstreamResponse {
        switch auth ?? self.configuration.auth {
        case .basic:
            let keys = try self.keys.current()
            let response = try await self.signedClient(.basic(keys)).send(request)
            let skewChanged = self.clock.learn(from: response.headers)
            guard response.status == 401 else {
                self.report(response.status)
                return response
            }
            let switched = (try? self.keys.current().apiKey) != keys.apiKey
            guard skewChanged || switched else {
                self.report(response.status)
                return response
            }
            response.body.cancel()
            self.logger.notice(
                "keyfax: retrying a refused request",
                metadata: [
                    "connection": .string(self.connection),
                    "reason": .string(switched ? "keys switched" : "clock skew"),
                ])
            let retry = try await self.signedClient(.basic(try self.keys.current())).send(request)
            self.clock.learn(from: retry.headers)
            self.report(retry.status)
            return retry
        case .bearer:
            return try await self.bearer.send(request)
        }
    }

    /// Credential health: a 401 that survived its retry means Keyfax refuses the keys.
    func report(_ status: Int) {
        if status == 401 {
            self.health.fail(.failing, error: "unauthorized", at: self.clock.local)
        } else if (200..<300).contains(status), self.health.current.state == .failing {
            self.health.update { $0.state = .ok }
        }
    }

    func signedClient(_ credential: KeyfaxRequestSigner.Credential) -> UpstreamClient {
        self.client.signed(
            by: KeyfaxRequestSigner(
                credential: credential, hostName: self.configuration.hostName, signer: self.signer, clock: self.clock))
    }

    static func buffer(_ body: UpstreamBody, limit: Int, connection: String) async throws -> UpstreamBody {
        guard case .stream(let stream, _) = body else { return body }
        var buffer = ByteBuffer()
        for try await chunk in stream {
            var chunk = chunk
            buffer.writeBuffer(&chunk)
            guard buffer.readableBytes <= limit else {
                stream.cancel()
                throw GatewayError(
                    .payloadTooLarge, "Keyfax request bodies are signed whole and limited to \(limit) bytes",
                    connection: connection)
            }
        }
        return .bytes(buffer)
    }
}
