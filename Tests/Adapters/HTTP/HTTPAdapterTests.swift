import GatehouseCore
import GatehouseHTTP
import GatehouseTestSupport
import HTTPTypes
import NIOCore
import Synchronization
import Testing

/// A transport that records what it was asked to send; the HTTP adapter's option and signing
/// rules are checked without a network (the end-to-end suite covers the real path).
final class CapturingTransport: UpstreamTransport {
    let sent = Mutex<[UpstreamRequest]>([])
    func send(_ request: UpstreamRequest) async throws -> UpstreamResponse {
        self.sent.withLock { $0.append(request) }
        let body = ByteStream()
        body.finish()
        return UpstreamResponse(status: 200, headers: [:], body: body)
    }
}

@Suite struct HTTPAdapterTests {
    func make(_ yaml: String, environment: [String: String]) throws -> (Gateway, CapturingTransport) {
        let config = try GatewayConfiguration.load(text: yaml, file: "t.yaml", adapterKinds: ["http"])
        let transport = CapturingTransport()
        let gateway = try Gateway(
            configuration: config,
            registry: AdapterRegistry([HTTPAdapter.kind]),
            transport: transport,
            secrets: EnvironmentSecretSource(environment: environment)
        )
        return (gateway, transport)
    }

    func connection(
        options: String, credentials: String = "{ token: env:TOKEN }", base: String = "http://127.0.0.1:9/api"
    ) -> String {
        """
        connections:\n  crm:\n    adapter: http\n    base_url: \(base)\n    credentials: \(credentials)\n    \
        options: \(options)\n
        """
    }

    func proxy(_ gateway: Gateway, path: String = "/x", query: String? = nil, headers: HTTPFields = [:]) async throws
        -> ConnectionRuntime
    {
        let runtime = try #require(gateway.connections["crm"])
        _ = try await runtime.adapter.proxy(
            ProxyCall(method: .get, path: path, query: query, headers: headers, body: .empty))
        return runtime
    }

    @Test func templateHeaderIsAddedAndReplacesACallerValue() async throws {
        let (gateway, transport) = try self.make(
            self.connection(options: "{ header: X-Api-Key, template: \"key={token}\" }"),
            environment: ["TOKEN": "s3cret"]
        )
        _ = try await self.proxy(
            gateway, path: "/orders/1", query: "a=1&b=%20", headers: [HTTPField.Name("X-Api-Key")!: "forged"])
        let sent = try #require(transport.sent.withLock { $0.first })
        #expect(sent.url == "http://127.0.0.1:9/api/orders/1?a=1&b=%20")
        #expect(sent.headers[values: HTTPField.Name("X-Api-Key")!] == ["key=s3cret"])
    }

    @Test func basicAuthentication() async throws {
        let (gateway, transport) = try self.make(
            self.connection(options: "{ basic: true }", credentials: "{ username: env:U, password: env:P }"),
            environment: ["U": "alice", "P": "pw:1"]
        )
        _ = try await self.proxy(gateway)
        #expect(transport.sent.withLock { $0.first?.headers[.authorization] } == "Basic YWxpY2U6cHc6MQ==")
    }

    @Test func credentialChangesApplyToTheNextRequest() async throws {
        // A secret source whose value changes between calls, as the vault's does.
        final class Changing: SecretSource {
            let value = Mutex("one")
            func secret(for reference: SecretReference) throws -> Secret? { Secret(self.value.withLock { $0 }) }
        }
        let source = Changing()
        let config = try GatewayConfiguration.load(
            text: self.connection(options: "{ template: \"Bearer {token}\" }"),
            file: "t.yaml",
            adapterKinds: ["http"]
        )
        let transport = CapturingTransport()
        let gateway = try Gateway(
            configuration: config, registry: AdapterRegistry([HTTPAdapter.kind]), transport: transport, secrets: source)
        _ = try await self.proxy(gateway)
        source.value.withLock { $0 = "two" }
        _ = try await self.proxy(gateway)
        #expect(transport.sent.withLock { $0.map { $0.headers[.authorization] } } == ["Bearer one", "Bearer two"])
    }

    @Test func missingCredentialFailsClosed() async throws {
        let (gateway, transport) = try self.make(
            self.connection(options: "{ template: \"Bearer {token}\" }"), environment: [:])
        await #expect {
            _ = try await self.proxy(gateway)
        } throws: { error in
            (error as? GatewayError)?.code == .unavailable
        }
        #expect(transport.sent.withLock { $0.isEmpty })
    }

    @Test func credentialWithLineBreakIsNeverSent() async throws {
        let (gateway, transport) = try self.make(
            self.connection(options: "{ template: \"Bearer {token}\" }"),
            environment: ["TOKEN": "abc\r\nX-Injected: 1"]
        )
        await #expect(throws: GatewayError.self) { _ = try await self.proxy(gateway) }
        #expect(transport.sent.withLock { $0.isEmpty })
    }

    @Test(arguments: [
        ("{ template: \"Bearer {nope}\" }", "not in credentials"),
        ("{ header: X-Key }", "needs a template"),
        ("{ template: \"static\" }", "uses no credential"),
        ("{ template: \"Bearer {token\" }", "unclosed"),
        ("{ basic: true, template: \"{token}\" }", "cannot be combined"),
        ("{ templte: \"{token}\" }", "unknown key"),
        ("{ header: \"Bad Header\", template: \"{token}\" }", "not a valid header name"),
        ("{}", "never sent"),
    ])
    func badOptionsAreConfigErrors(options: String, message: String) throws {
        do {
            _ = try self.make(self.connection(options: options), environment: [:])
            Issue.record("expected a config error")
        } catch let error as ConfigError {
            #expect(error.description.contains(message), "\(error)")
            #expect(error.path.hasPrefix("connections.crm.options"))
            #expect(error.line != nil)
        }
    }

    @Test func basicNeedsUsernameAndPassword() throws {
        #expect(throws: ConfigError.self) {
            _ = try self.make(
                self.connection(options: "{ basic: true }", credentials: "{ username: env:U }"), environment: [:])
        }
    }

    @Test func credentialsAreNotSignedForAnotherOrigin() async throws {
        let (gateway, transport) = try self.make(
            self.connection(options: "{ template: \"Bearer {token}\" }"), environment: ["TOKEN": "t"])
        let runtime = try #require(gateway.connections["crm"])
        _ = try await runtime.adapter.perform(OperationCall(name: "request", arguments: ["path": "/ok"]))
        #expect(transport.sent.withLock { $0.last?.headers[.authorization] } == "Bearer t")
        await #expect(throws: GatewayError.self) {
            _ = try await runtime.adapter.perform(OperationCall(name: "request", arguments: ["path": "/../escape"]))
        }
    }
}
