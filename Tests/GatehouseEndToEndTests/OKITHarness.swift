import Foundation
import GatehouseCore
import GatehouseOKITSimulator
import GatehouseTestSupport
import Synchronization
import Testing

/// One real gateway process in front of a real echo upstream (its `/sms` endpoint is the demo
/// SMS service) and a real OKIT simulator. Callers of `sms` are admitted by OKIT tokens; an
/// `operator` API-key client may call `token.validate`. Every token a test uses is remembered and
/// must never appear in the gateway's log.
struct OKITHarness {
    let echo: EchoFixture
    let okit: OKITFixture
    let gateway: GatewayProcess
    let client = TestClient()
    /// The `operator` client's gateway key.
    let key: String
    private let tokens: TokenLedger

    /// Tokens handed out in a test, for the log check.
    final class TokenLedger: Sendable {
        let all = Mutex<[String]>([])
    }

    static func start(
        cacheSeconds: Int = 60,
        negativeCacheSeconds: Int = 5,
        // Generous: tests that are not about timeouts must not hit one on a loaded machine.
        timeoutMilliseconds: Int = 15_000,
        maxPending: Int? = nil
    ) async throws -> OKITHarness {
        let echo = try await EchoFixture.start()
        let okit = try await OKITFixture.start()
        let (key, hash) = APIKey.generate()
        let config = """
            server:
              host: 127.0.0.1
              port: 0
              shutdown_grace_seconds: 5
              log_level: debug
            clients:
              operator:
                key_sha256: "\(hash)"
                connections: [okit, okit-down]
              sms-callers:
                authenticator: okit
                okit_connection: okit
                client_prefixes: [BlaBla, Acme]
                connections: [sms]
              mail-callers:
                authenticator: okit
                okit_connection: okit
                client_prefixes: [Mailer]
                connections: [echo]
              down-callers:
                authenticator: okit
                okit_connection: okit-down
                client_prefixes: [Down]
                connections: [sms]
            connections:
              okit:
                adapter: okit
                base_url: \(okit.baseURL)
                options: { application_prefix: SMSAPP, cache_seconds: \(cacheSeconds), negative_cache_seconds: \
            \(negativeCacheSeconds)\(maxPending.map { ", max_pending: \($0)" } ?? "") }
                timeout_ms: \(timeoutMilliseconds)
              okit-down:
                adapter: okit
                base_url: http://127.0.0.1:1/OKIT.Operator.Api
                options: { application_prefix: SMSAPP }
                timeout_ms: 1000
              sms:
                adapter: http
                base_url: \(echo.baseURL)/sms
              echo:
                adapter: http
                base_url: \(echo.baseURL)
            """
        let gateway = try await GatewayProcess.start(config: config)
        return OKITHarness(echo: echo, okit: okit, gateway: gateway, key: key, tokens: TokenLedger())
    }

    func url(_ path: String) -> String { self.gateway.baseURL + path }

    /// Issues a fresh token at the simulator (nothing has cached it yet).
    func issue(client: String = "BlaBla", application: String = "SMSAPP") -> String {
        let token = "okit-e2e-" + String(UInt64.random(in: 0...UInt64.max), radix: 36) + "-" + client
        self.okit.state.issue(token: token, application: application, client: client)
        self.remember(token)
        return token
    }

    /// Adds `token` to those that must stay out of the log.
    func remember(_ token: String) { self.tokens.all.withLock { $0.append(token) } }

    /// `POST /proxy/sms` as an OKIT caller.
    func sendSMS(
        token: String?,
        prefix: String?,
        path: String = "",
        headers extra: [String: String] = [:]
    ) async throws -> TestClient.Answer {
        var headers = extra
        headers["Content-Type"] = "application/json"
        if let token { headers["Authorization"] = "Bearer \(token)" }
        if let prefix { headers["X-Client-Prefix"] = prefix }
        return try await self.client.send(
            .post,
            self.url("/proxy/sms" + path),
            headers: headers,
            body: Array(#"{"to":"+4917012345678","text":"Hello"}"#.utf8)
        )
    }

    /// The validator requests the simulator received.
    var validations: [OKITSimulatorState.ValidationRequest] { self.okit.state.requests }

    /// Stops everything and checks that no token reached the log while the redacted validator
    /// URL did.
    func finish() async {
        await self.gateway.stop()
        self.echo.stop()
        self.okit.stop()
        self.client.shutdown()
        let log = self.gateway.log
        for token in self.tokens.all.withLock({ $0 }) {
            #expect(!log.containsBytes(token), "a token leaked into the log")
        }
        #expect(!log.containsBytes("Bearer"))
        #expect(!log.containsBytes(self.key), "the operator's API key leaked into the log")
    }
}
