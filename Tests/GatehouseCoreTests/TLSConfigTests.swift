import GatehouseCore
import Testing

/// The TLS and egress keys: what loads, and what stops start-up with `file:line`.
@Suite struct TLSConfigTests {
    func load(_ connection: String, server: String = "") throws(ConfigError) -> GatewayConfiguration {
        try GatewayConfiguration.load(
            text: """
                server:
                  port: 0
                \(server)
                connections:
                  partner:
                    adapter: http
                    base_url: https://partner.example
                \(connection)
                """, file: "tls.yaml", adapterKinds: ["http"])
    }

    func error(_ connection: String, server: String = "") -> String? {
        do {
            _ = try self.load(connection, server: server)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func everyKeyLoads() throws {
        let config = try self.load(
            """
                ca_file: /etc/ca.pem
                ca_mode: replace
                tls_min_version: "1.3"
                client_certificate: { cert: file:/etc/client.pem, key: vault:partner/client_key }
                proxy: https://proxy.example:3129
                proxy_credentials: { username: vault:egress/user, password: env:PROXY_PASSWORD }
            """, server: "  tls: { cert: file:/etc/tls.pem, key: vault:gatehouse/tls_key }")
        let partner = try #require(config.connection(named: "partner"))
        #expect(partner.transport.caFile == "/etc/ca.pem")
        #expect(partner.transport.caMode == .replace)
        #expect(partner.transport.tlsMinimumVersion == .v1_3)
        #expect(partner.transport.proxy == "https://proxy.example:3129")
        #expect(partner.clientCertificate?.certificate == .file("/etc/client.pem"))
        #expect(partner.clientCertificate?.key == .vault("partner/client_key"))
        #expect(partner.proxyCredentials?.password == .environment("PROXY_PASSWORD"))
        #expect(config.server.tls?.certificatePath == "/etc/tls.pem")
        #expect(config.server.tls?.key == .reference(.vault("gatehouse/tls_key")))
        #expect(config.usesVault)
        #expect(config.pemFiles.map(\.path) == ["/etc/tls.pem", "/etc/client.pem"])
    }

    @Test func defaultsAreAddAndTLS12() throws {
        let partner = try #require(try self.load("    ca_file: /etc/ca.pem").connection(named: "partner"))
        #expect(partner.transport.caMode == .add)
        #expect(partner.transport.tlsMinimumVersion == .v1_2)
        #expect(partner.clientCertificate == nil)
    }

    @Test func badValuesNameFileAndLine() {
        #expect(
            self.error("    ca_mode: add")?.hasPrefix("tls.yaml:8: connections.partner.ca_mode: ca_mode needs ca_file")
                == true)
        #expect(
            self.error("    ca_file: /x\n    ca_mode: both")?.contains("\"both\" is not one of add, replace") == true)
        #expect(
            self.error("    tls_min_version: \"1.1\"")?.contains("tls.yaml:8: connections.partner.tls_min_version")
                == true)
        #expect(
            self.error("    client_certificate: { cert: file:/c.pem, key: file:/c.key }")?.contains(
                "a private key comes from the vault (vault:PATH), never from a plain file") == true)
        #expect(self.error("    client_certificate: { cert: file:/c.pem }")?.contains("missing required key") == true)
        #expect(
            self.error("    proxy_credentials: { username: env:U, password: env:P }")?.contains(
                "proxy_credentials needs proxy") == true)
        #expect(
            self.error("    proxy_credentials: { username: alice, password: env:P }\n    proxy: http://p:1")?.contains(
                "secret reference") == true)
        #expect(
            self.error("", server: "  tls: { cert: vault:x/cert, key: file:/k }")?.contains(
                "server.tls.cert: expected file:PATH") == true)
        #expect(self.error("", server: "  tls: { cert: file:/c }")?.contains("missing required key") == true)
    }
}
