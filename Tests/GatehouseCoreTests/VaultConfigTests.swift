import GatehouseCore
import Testing

@Suite struct VaultConfigTests {
    func load(_ text: String) throws -> GatewayConfiguration {
        try GatewayConfiguration.load(text: text, file: "test.yaml", adapterKinds: ["http"])
    }

    func message(_ text: String) -> String? {
        do {
            _ = try self.load(text)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func vaultAndAdminSectionsLoadWithDefaults() throws {
        let config = try self.load(
            """
            vault: { path: /var/lib/gatehouse/vault.db, master_key: "file:/etc/gatehouse/master.key", keep_versions: 3 }
            admin: { token: env:GATEHOUSE_ADMIN_TOKEN }
            """)
        #expect(config.vault.path == "/var/lib/gatehouse/vault.db")
        #expect(config.vault.masterKey == .file("/etc/gatehouse/master.key"))
        #expect(config.vault.keepVersions == 3)
        #expect(config.admin?.token == .environment("GATEHOUSE_ADMIN_TOKEN"))
        #expect(config.admin?.host == "127.0.0.1")
        #expect(config.admin?.port == 8081)
        #expect(config.usesVault)
        let defaults = try self.load("server: { port: 1 }")
        #expect(defaults.vault.path == ".gatehouse/vault.db")
        #expect(defaults.vault.masterKey == .environment("GATEHOUSE_MASTER_KEY"))
        #expect(!defaults.usesVault)
        #expect(defaults.admin == nil)
    }

    @Test func theAdminListenerTakesItsOwnAddress() throws {
        let config = try self.load("admin: { token: env:T, host: 0.0.0.0, port: 9443 }")
        #expect(config.admin?.host == "0.0.0.0")
        #expect(config.admin?.port == 9443)
        // Port 0 on both picks two free ports: no collision.
        #expect(try self.load("server: { port: 0 }\nadmin: { token: env:T, port: 0 }").admin?.port == 0)
    }

    @Test func aPostgresVaultLoadsWithItsURLVariableAndLeaseSettings() throws {
        let config = try self.load(
            """
            vault: { backend: postgres, url: env:GATEHOUSE_PG_URL, lease_seconds: 20, poll_seconds: 3 }
            """)
        #expect(config.vault.backend == "postgres")
        #expect(config.vault.urlVariable == "GATEHOUSE_PG_URL")
        #expect(config.vault.leaseSeconds == 20)
        #expect(config.vault.pollSeconds == 3)
        let defaults = try self.load("vault: { backend: postgres, url: env:PG }")
        #expect(defaults.vault.leaseSeconds == 15)
        #expect(defaults.vault.pollSeconds == 10)
    }

    @Test func aVaultReferenceAloneMeansTheVaultIsUsed() throws {
        let config = try self.load(
            """
            connections:
              crm: { adapter: http, base_url: "http://x", credentials: { token: vault:crm/token } }
            """)
        #expect(config.usesVault)
        #expect(config.connections[0].credentials[0].reference == .vault("crm/token"))
    }

    @Test(arguments: [
        ("vault: { master_key: c2VjcmV0 }", "test.yaml:1: vault.master_key: expected env:NAME or file:PATH"),
        ("vault: { backend: mysql }", "test.yaml:1: vault.backend: \"mysql\" is not one of sqlite, postgres"),
        ("vault: { backend: postgres }", "test.yaml:1: vault.backend: backend: postgres needs url: env:NAME"),
        (
            "vault:\n  backend: postgres\n  url: \"postgres://u:hunter2@h/db\"",
            "test.yaml:3: vault.url: expected a secret reference"
        ),
        ("vault:\n  backend: postgres\n  url: vault:db/url", "test.yaml:3: vault.url: expected env:NAME"),
        ("vault: { backend: postgres, url: env:PG, path: x.db }", "vault.path: path is for backend: sqlite"),
        ("vault: { url: env:PG }", "vault.url: url is for backend: postgres"),
        ("vault: { backend: postgres, url: env:PG, lease_seconds: 1 }", "vault.lease_seconds: 1 is out of range"),
        ("vault: { keep_versions: 0 }", "test.yaml:1: vault.keep_versions: 0 is out of range"),
        ("vault: { colour: red }", "test.yaml:1: vault.colour: unknown key"),
        ("admin: { token: hunter2 }", "test.yaml:1: admin.token: expected a secret reference"),
        ("admin: {}", "admin.token: missing required key"),
        ("admin: { token: env:T, port: 70000 }", "test.yaml:1: admin.port: 70000 is out of range"),
        ("admin: { token: env:T, tls: on }", "test.yaml:1: admin.tls: expected a mapping"),
        ("admin: { token: env:T, tls: { cert: \"file:/c.pem\" } }", "test.yaml:1: admin.tls.key: missing required key"),
        ("admin: { token: env:T, colour: red }", "test.yaml:1: admin.colour: unknown key"),
        (
            "server: { port: 9000 }\nadmin: { token: env:T, port: 9000 }",
            "test.yaml:2: admin.port: the admin listener needs its own port"
        ),
        (
            "server: { port: 8081 }\nadmin: { token: env:T }",
            "test.yaml:2: admin: the admin listener's default port 8081 is server.port too"
        ),
        (
            """
            connections:\n  crm: { adapter: http, base_url: \"http://x\", credentials: { token: \"vault:crm/../x\" \
            } }
            """,
            "test.yaml:2: connections.crm.credentials.token: \"crm/../x\" is not a valid vault path"
        ),
    ])
    func badVaultSettingsNameFileLineAndKey(text: String, expected: String) {
        let message = self.message(text)
        #expect(message?.contains(expected) == true, "\(message ?? "loaded")")
        #expect(message?.contains("hunter2") != true)
    }
}

@Suite struct TimestampTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00Z"),
        (1_763_812_800, "2025-11-22T12:00:00Z"),
        (951_782_400, "2000-02-29T00:00:00Z"),
        (4_107_542_399, "2100-02-28T23:59:59Z"),
        (-1, "1969-12-31T23:59:59Z"),
    ])
    func formatsAndParsesUTC(seconds: Int64, text: String) {
        #expect(Timestamp(seconds: seconds).iso8601 == text)
        #expect(Timestamp(iso8601: text)?.seconds == seconds)
    }

    @Test func acceptsOffsetsAndFractionsAndRefusesNonsense() {
        #expect(Timestamp(iso8601: "2025-11-22T13:30:00+01:30")?.seconds == 1_763_812_800)
        #expect(Timestamp(iso8601: "2025-11-22T12:00:00.123Z")?.seconds == 1_763_812_800)
        for bad in [
            "", "2025-11-22", "2025-13-01T00:00:00Z", "2025-02-29T00:00:00Z", "2025-11-22T24:00:00Z",
            "2025-11-22T12:00:00", "soon",
        ] {
            #expect(Timestamp(iso8601: bad) == nil, "\(bad)")
        }
    }
}
