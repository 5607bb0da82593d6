import GatehouseCore
import Testing

/// `authenticator: okit` client entries: what loads, and every refusal with file, line and key path.
@Suite struct OKITClientConfigTests {
    static let valid = """
        connections:
          okit-demo:
            adapter: okit
            base_url: http://127.0.0.1:9104/OKIT.Operator.Api
            options: { application_prefix: SMSAPP }
          sms-demo:
            adapter: http
            base_url: http://127.0.0.1:9100/sms
        clients:
          sms-callers:
            authenticator: okit
            okit_connection: okit-demo
            client_prefixes: [BlaBla, Acme]
            connections: [sms-demo]
        """

    func load(_ text: String) throws -> GatewayConfiguration {
        try GatewayConfiguration.load(text: text, file: "okit.yaml", adapterKinds: ["http", "okit"])
    }

    func error(_ text: String) -> ConfigError? {
        do {
            _ = try self.load(text)
            return nil
        } catch {
            return error as? ConfigError
        }
    }

    @Test func anOKITClientLoads() throws {
        let config = try self.load(Self.valid)
        let client = try #require(config.clients.first)
        #expect(client.name == "sms-callers")
        #expect(client.connections == ["sms-demo"])
        guard case .token(let connection, let prefixes, let key) = client.authenticator else {
            Issue.record("expected a token client")
            return
        }
        #expect(connection == "okit-demo")
        #expect(prefixes == ["BlaBla", "Acme"])
        #expect(key == "okit_connection")
    }

    /// `authenticator: okit` is a spelling of `authenticator: token` with `validator`.
    @Test func theTokenSpellingLoadsTheSame() throws {
        let text = Self.valid.replacing("authenticator: okit", with: "authenticator: token")
            .replacing("okit_connection: okit-demo", with: "validator: okit-demo")
        let client = try #require(try self.load(text).clients.first)
        guard case .token(let connection, let prefixes, let key) = client.authenticator else {
            Issue.record("expected a token client")
            return
        }
        #expect(connection == "okit-demo")
        #expect(prefixes == ["BlaBla", "Acme"])
        #expect(key == "validator")
        // The okit key does not belong to the token spelling.
        let mixed = Self.valid.replacing("authenticator: okit", with: "authenticator: token")
        #expect(self.error(mixed)?.path == "clients.sms-callers.validator")
    }

    @Test(arguments: [
        // (replace, with, line, path, message)
        (
            "okit_connection: okit-demo", "okit_connection: okit-prod", 12, "clients.sms-callers.okit_connection",
            "unknown connection \"okit-prod\""
        ),
        ("    okit_connection: okit-demo\n", "", 10, "clients.sms-callers.okit_connection", "missing required key"),
        (
            "    client_prefixes: [BlaBla, Acme]\n", "", 10, "clients.sms-callers.client_prefixes",
            "missing required key"
        ),
        (
            "client_prefixes: [BlaBla, Acme]", "client_prefixes: []", 13, "clients.sms-callers.client_prefixes",
            "list at least one client prefix"
        ),
        (
            "client_prefixes: [BlaBla, Acme]", "client_prefixes: BlaBla", 13, "clients.sms-callers.client_prefixes",
            "expected a list"
        ),
        (
            "client_prefixes: [BlaBla, Acme]", "client_prefixes: [BlaBla, BlaBla]", 13,
            "clients.sms-callers.client_prefixes", "listed twice"
        ),
        (
            "client_prefixes: [BlaBla, Acme]", "client_prefixes: [\"Bla Bla\"]", 13,
            "clients.sms-callers.client_prefixes",
            "a client prefix is 1 to 128 visible ASCII characters"
        ),
        (
            "authenticator: okit", "authenticator: oauth", 11, "clients.sms-callers.authenticator",
            "\"oauth\" is not one of api_key, token, okit"
        ),
        (
            "    connections: [sms-demo]", "    connections: [sms-demo]\n    key_sha256: \"00\"", 15,
            "clients.sms-callers.key_sha256", "key_sha256 belongs to api_key clients"
        ),
        (
            "    connections: [sms-demo]", "    connections: [sms-demo]\n    prefix: x", 15,
            "clients.sms-callers.prefix", "unknown key"
        ),
        (
            "connections: [sms-demo]", "connections: [sms-dmo]", 14, "clients.sms-callers.connections",
            "unknown connection \"sms-dmo\""
        ),
    ])
    func refusals(replace: String, with replacement: String, line: Int, path: String, message: String) throws {
        let text = Self.valid.replacing(replace, with: replacement)
        #expect(text != Self.valid)
        let error = try #require(self.error(text))
        #expect(error.file == "okit.yaml")
        #expect(error.line == line, "\(error)")
        #expect(error.path.hasPrefix(path), "\(error)")
        #expect(error.message.contains(message), "\(error)")
        #expect(error.description.hasPrefix("okit.yaml:\(line): \(error.path): "))
    }

    @Test func aClientPrefixIdentifiesOneClient() throws {
        let text =
            Self.valid + """

                  mail-callers:
                    authenticator: okit
                    okit_connection: okit-demo
                    client_prefixes: [Other, Acme]
                    connections: [sms-demo]
                """
        let error = try #require(self.error(text))
        #expect(error.line == 18)
        #expect(error.path.hasPrefix("clients.mail-callers.client_prefixes"))
        #expect(
            error.message
                == "client prefix \"Acme\" is already listed by client sms-callers; a prefix identifies one client")
    }

    @Test func anAPIKeyClientCannotCarryOKITKeys() throws {
        let text =
            Self.valid + """

                  erp:
                    key_sha256: "b844ab47c5fff8798b8f9062c80a41b7141c9561b0e3ea3bfdf1656eccffc788"
                    client_prefixes: [Erp]
                    connections: [sms-demo]
                """
        let error = try #require(self.error(text))
        #expect(error.path == "clients.erp.client_prefixes")
        #expect(error.message.hasPrefix("unknown key"))
    }
}
