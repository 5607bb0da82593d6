import GatehouseCore
import Testing

@Suite struct ConfigTests {
    static let kinds = ["http"]

    func load(_ text: String) throws -> GatewayConfiguration {
        try GatewayConfiguration.load(text: text, file: "test.yaml", adapterKinds: Self.kinds)
    }

    func error(_ text: String) -> ConfigError? {
        do {
            _ = try self.load(text)
            return nil
        } catch let error as ConfigError {
            return error
        } catch {
            return nil
        }
    }

    static let valid = """
        server: { host: 127.0.0.1, port: 8081, max_body_bytes: 1000 }
        connections:
          crm:
            adapter: http
            base_url: https://crm.example.com:8443/api/
            credentials: { token: env:CRM_TOKEN }
            options: { header: Authorization, template: "Bearer {token}" }
            timeout_ms: 2500
            follow_redirects: true
        clients:
          erp:
            key_sha256: "b844ab47c5fff8798b8f9062c80a41b7141c9561b0e3ea3bfdf1656eccffc788"
            connections: [crm]
        """

    @Test func validConfigurationLoads() throws {
        let config = try self.load(Self.valid)
        #expect(config.server.port == 8081)
        #expect(config.server.maxBodyBytes == 1000)
        let crm = try #require(config.connection(named: "crm"))
        #expect(crm.baseURL.origin == "https://crm.example.com:8443")
        #expect(crm.baseURL.path == "/api")
        #expect(crm.transport.timeoutMilliseconds == 2500)
        #expect(crm.transport.connectTimeoutMilliseconds == 5000)
        #expect(crm.followRedirects)
        #expect(crm.maxResponseBytes == 16 << 20)
        #expect(crm.credentials.map(\.name) == ["token"])
        #expect(crm.credentials.first?.reference == .environment("CRM_TOKEN"))
        #expect(config.clients.first?.connections == ["crm"])
    }

    @Test func unknownKeyNamesFileLineAndPath() throws {
        let error = try #require(
            self.error(Self.valid.replacingOccurrences(of: "timeout_ms: 2500", with: "timeout: 2500")))
        #expect(error.file == "test.yaml")
        #expect(error.line == 8)
        #expect(error.path == "connections.crm.timeout")
        #expect(error.description.hasPrefix("test.yaml:8: connections.crm.timeout: unknown key"))
    }

    @Test func unknownTopLevelKey() throws {
        let error = try #require(self.error("servr:\n  port: 1\n"))
        #expect(error.line == 1)
        #expect(error.path == "servr")
    }

    @Test func missingRequiredKey() throws {
        let error = try #require(self.error("connections:\n  crm:\n    adapter: http\n"))
        #expect(error.path == "connections.crm.base_url")
        #expect(error.message.contains("missing required key"))
        #expect(error.line == 2)
    }

    @Test(arguments: [
        "ftp://example.com", "example.com/api", "http://user:pw@example.com", "http://example.com/#frag",
        "http://example.com:99999", "http://", "http://exa mple.com",
    ])
    func badURLIsRefused(url: String) throws {
        let error = try #require(self.error("connections:\n  crm:\n    adapter: http\n    base_url: \"\(url)\"\n"))
        #expect(error.path == "connections.crm.base_url")
        #expect(error.line == 4)
    }

    @Test func unknownAdapter() throws {
        let error = try #require(self.error("connections:\n  crm:\n    adapter: soap\n    base_url: http://x\n"))
        #expect(error.path == "connections.crm.adapter")
        #expect(error.message.contains("unknown adapter \"soap\""))
        #expect(error.message.contains("http"))
    }

    @Test func duplicateConnectionName() throws {
        let text =
            """
            connections:\n  crm:\n    adapter: http\n    base_url: http://a\n  crm:\n    adapter: http\n    \
            base_url: http://b\n
            """
        let error = try #require(self.error(text))
        #expect(error.message.contains("duplicate"))
        #expect(error.line != nil)
    }

    @Test func literalSecretIsRefused() throws {
        let text =
            "connections:\n  crm:\n    adapter: http\n    base_url: http://a\n    credentials: { token: hunter2 }\n"
        let error = try #require(self.error(text))
        #expect(error.path == "connections.crm.credentials.token")
        #expect(error.message.contains("env:NAME or vault:PATH"))
        #expect(!error.description.contains("hunter2"))
    }

    @Test func clientWithUnknownConnection() throws {
        let text = Self.valid.replacingOccurrences(of: "connections: [crm]", with: "connections: [crm, billing]")
        let error = try #require(self.error(text))
        #expect(error.message == "unknown connection \"billing\"")
        #expect(error.line == 13)
    }

    @Test func badKeyHash() throws {
        let text = Self.valid.replacingOccurrences(of: "b844ab47", with: "B844AB47")
        let error = try #require(self.error(text))
        #expect(error.path == "clients.erp.key_sha256")
    }

    @Test func outOfRangeNumberAndBadBoolean() throws {
        let port = try #require(self.error("server:\n  port: 70000\n"))
        #expect(port.path == "server.port")
        #expect(port.message.contains("out of range"))
        let follow = try #require(
            self.error("connections:\n  crm:\n    adapter: http\n    base_url: http://a\n    follow_redirects: maybe\n")
        )
        #expect(follow.path == "connections.crm.follow_redirects")
    }

    @Test func serverLimitsAndForwardedHeaders() throws {
        let defaults = try self.load("server: { port: 0 }\n")
        #expect(defaults.server.forwardedHeaders == .set)
        #expect(defaults.server.maxOperationBodyBytes == 1_048_576)
        let set = try self.load("server: { forwarded_headers: drop, max_operation_body_bytes: 4096 }\n")
        #expect(set.server.forwardedHeaders == .drop)
        #expect(set.server.maxOperationBodyBytes == 4096)
        let mode = try #require(self.error("server: { forwarded_headers: keep }\n"))
        #expect(mode.path == "server.forwarded_headers")
        let size = try #require(self.error("server: { max_operation_body_bytes: 0 }\n"))
        #expect(size.path == "server.max_operation_body_bytes")
    }

    @Test func invalidYAMLReportsLine() throws {
        let error = try #require(self.error("server:\n  port: 1\n bad: [\n"))
        #expect(error.line != nil)
        #expect(error.message.hasPrefix("invalid YAML"))
    }

    @Test func badConnectionName() throws {
        let error = try #require(
            self.error("connections:\n  \"crm/prod\":\n    adapter: http\n    base_url: http://a\n"))
        #expect(error.path == "connections.crm/prod")
    }
}
