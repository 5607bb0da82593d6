import Foundation
import GatehouseCore
import GatehouseTestSupport
import Testing

/// A vault made with the real CLI in a temporary directory: a 0600 key file, `vault init`, and a
/// config section both the CLI and the gateway use.
struct VaultSetup {
    let directory: String
    let configPath: String
    /// Top-level YAML for the gateway's configuration.
    let section: String
    /// What every gatehouse process of this vault needs in its environment (the PostgreSQL URL).
    let environment: [String: String]
    let adminToken = "admin-" + APIKey.generate().key.dropFirst(3)

    var dbPath: String { self.directory + "/vault.db" }

    /// A vault made with the real CLI: an SQLite file in a temporary directory, or (with
    /// `postgres`) a fresh database on the throwaway cluster (or on `cluster`, a private one's
    /// URL), with `extra` YAML in the section.
    static func make(postgres: Bool = false, cluster: String? = nil, extra: String = "") async throws -> VaultSetup {
        let directory = try TemporaryDirectory.make()
        var environment: [String: String] = [:]
        let store: String
        if postgres || cluster != nil {
            environment["GATEHOUSE_PG_URL"] = try await TestPostgres.freshDatabase(on: cluster)
            store = "backend: postgres, url: env:GATEHOUSE_PG_URL"
        } else {
            store = "path: \(directory)/vault.db"
        }
        let section = """
            vault: { \(store), master_key: "file:\(directory)/master.key"\(extra.isEmpty ? "" : ", " + extra) }
            admin: { token: vault:admin/token }
            """
        let configPath = directory + "/vault.yaml"
        try section.write(toFile: configPath, atomically: true, encoding: .utf8)
        let setup = VaultSetup(directory: directory, configPath: configPath, section: section, environment: environment)
        try await setup.cli(["vault", "generate-key", "--out", directory + "/master.key"])
        try await setup.cli(["vault", "init"])
        try await setup.put("admin/token", setup.adminToken)
        return setup
    }

    @discardableResult
    func cli(_ arguments: [String], stdin: String? = nil) async throws -> String {
        let withConfig =
            arguments.first == "vault" && arguments.dropFirst().first != "generate-key"
            ? arguments + ["--config", self.configPath] : arguments
        let result = try await GatewayProcess.run(withConfig, environment: self.environment, stdin: stdin)
        guard result.status == 0 else {
            throw GatewayProcessError(message: "gatehouse \(arguments.joined(separator: " ")): \(result.stderr)")
        }
        return result.stdout
    }

    func put(_ path: String, _ value: String) async throws {
        try await self.cli(["vault", "put", path], stdin: value + "\n")
    }

    /// Whether `text` occurs in the database, -wal or -shm file.
    func onDisk(_ text: String) -> Bool {
        ["", "-wal", "-shm"].contains { suffix in
            guard let data = FileManager.default.contents(atPath: self.dbPath + suffix) else { return false }
            return data.range(of: Data(text.utf8)) != nil
        }
    }
}

@Suite(.timeLimit(.minutes(3))) struct VaultEndToEndTests {
    static let vaultedConnection = """
          vaulted:
            adapter: http
            base_url: ECHO
            credentials: { token: vault:crm/token }
            options: { header: Authorization, template: "Bearer {token}" }
        """

    /// The redaction canaries run in both `server.log_format`s.
    @Test(arguments: ProxyTests.logFormats) func vaultCredentialsReachTheUpstreamAndChangesApplyWithoutARestart(
        format: String
    ) async throws {
        let vault = try await VaultSetup.make()
        let canaries = (1...3).map { "VAULT-CANARY-\($0)-" + UUID().uuidString }
        try await vault.put("crm/token", canaries[0])
        let h = try await Harness.start(
            extraConnections: Self.vaultedConnection, grants: ["echo", "vaulted"],
            server: "  log_format: \(format)\n" + vault.section)

        var answer = try await h.client.send(.get, h.url("/proxy/vaulted/orders"), headers: h.auth)
        #expect(answer.status == 200)
        #expect(h.echo.recorder.all.last?.header("Authorization") == "Bearer \(canaries[0])")

        // Another process (the CLI) changes the secret: the running gateway follows (within 2 s by
        // design; `make bench` measures it). The deadline here is generous for a loaded machine.
        try await vault.put("crm/token", canaries[1])
        let changed = ContinuousClock.now
        var seen = ""
        while ContinuousClock.now - changed < .seconds(60) {
            answer = try await h.client.send(.get, h.url("/proxy/vaulted/orders"), headers: h.auth)
            seen = h.echo.recorder.all.last?.header("Authorization") ?? ""
            if seen == "Bearer \(canaries[1])" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let delay = ContinuousClock.now - changed
        #expect(seen == "Bearer \(canaries[1])", "the change did not apply within 60 s")
        print("vault put from the CLI applied in the running gateway after \(delay)")

        // Through the admin API the change applies to the very next request.
        let put = try await h.client.send(
            .put,
            h.adminURL("/admin/v1/secrets/crm/token"),
            headers: ["Authorization": "Bearer \(vault.adminToken)", "Content-Type": "application/json"],
            body: Array(#"{"value":"\#(canaries[2])"}"#.utf8)
        )
        #expect(put.status == 200)
        #expect(put.json["data"]?["version"] == 3)
        #expect(!put.text.contains(canaries[2]))
        answer = try await h.client.send(.get, h.url("/proxy/vaulted/orders"), headers: h.auth)
        #expect(h.echo.recorder.all.last?.header("Authorization") == "Bearer \(canaries[2])")

        await h.finish()
        for canary in canaries + [vault.adminToken] {
            #expect(!h.gateway.log.contains(canary), "a secret reached the gateway log")
            #expect(!vault.onDisk(canary), "a secret is in plaintext on disk")
        }
    }

    /// The redaction canaries run in both `server.log_format`s.
    @Test(arguments: ProxyTests.logFormats) func theAdminAPIWritesListsAndDeletesButNeverShowsValues(format: String)
        async throws
    {
        let vault = try await VaultSetup.make()
        try await vault.put("crm/token", "initial")
        let h = try await Harness.start(
            extraConnections: Self.vaultedConnection, grants: ["echo", "vaulted"],
            server: "  log_format: \(format)\n" + vault.section)
        let admin = ["Authorization": "Bearer \(vault.adminToken)"]
        let canary = "ADMIN-CANARY-" + UUID().uuidString

        // Without or with a wrong token: 401 in the uniform body, nothing written.
        for headers in [[:], ["Authorization": "Bearer wrong"], ["Authorization": "Bearer \(h.key)"]] {
            let refused = try await h.client.send(
                .put, h.adminURL("/admin/v1/secrets/x/y"), headers: headers, body: Array(#"{"value":"v"}"#.utf8))
            #expect(refused.status == 401)
            #expect(refused.errorCode == "unauthenticated")
            #expect(try await h.client.send(.get, h.adminURL("/admin/v1/secrets"), headers: headers).status == 401)
        }

        let created = try await h.client.send(
            .put,
            h.adminURL("/admin/v1/secrets/billing/api_key"),
            headers: admin,
            body: Array(#"{"value":"\#(canary)","expires_at":"2031-01-01T00:00:00Z"}"#.utf8)
        )
        #expect(created.status == 201)
        #expect(created.json["data"]?["path"] == "billing/api_key")
        #expect(created.json["data"]?["source"] == "admin")
        #expect(created.json["data"]?["expires_at"] == "2031-01-01T00:00:00Z")

        let list = try await h.client.send(.get, h.adminURL("/admin/v1/secrets"), headers: admin)
        #expect(list.status == 200)
        let paths = list.json["data"]?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? []
        #expect(paths == ["admin/token", "billing/api_key", "crm/token"])
        let one = try await h.client.send(.get, h.adminURL("/admin/v1/secrets/billing/api_key"), headers: admin)
        #expect(one.json["data"]?["version"] == 1)
        for answer in [created, list, one] {
            #expect(
                !answer.text.contains(canary) && !answer.text.contains("initial")
                    && !answer.text.contains(vault.adminToken))
        }

        // Bad input: the uniform error, nothing stored.
        for body in [
            #"{"value": 5}"#, #"not json"#, #"{"value":"v","extra":1}"#, #"{"value":""}"#,
            #"{"value":"v","expires_at":"soon"}"#,
        ] {
            let bad = try await h.client.send(
                .put, h.adminURL("/admin/v1/secrets/bad/one"), headers: admin, body: Array(body.utf8))
            #expect(bad.status == 400, "\(body)")
            #expect(bad.errorCode == "bad_request")
        }
        for path in ["bad/%2e%2e/x", "bad/a%20b", "bad//x"] {
            let badPath = try await h.client.send(
                .put, h.adminURL("/admin/v1/secrets/" + path), headers: admin, body: Array(#"{"value":"v"}"#.utf8))
            #expect(badPath.status == 400, "\(path)")
        }

        let deleted = try await h.client.send(.delete, h.adminURL("/admin/v1/secrets/billing/api_key"), headers: admin)
        #expect(deleted.status == 200)
        #expect(
            try await h.client.send(.get, h.adminURL("/admin/v1/secrets/billing/api_key"), headers: admin).status == 404
        )
        #expect(
            try await h.client.send(.delete, h.adminURL("/admin/v1/secrets/billing/api_key"), headers: admin).status
                == 404)
        #expect(try await h.client.send(.post, h.adminURL("/admin/v1/secrets"), headers: admin).status == 405)

        await h.finish()
        #expect(!h.gateway.log.contains(canary))
        #expect(!h.gateway.log.contains(vault.adminToken))
        // The audit table names the admin API as the writer and deleter, without the value.
        let audit = try await vault.cli(["vault", "audit"])
        #expect(audit.contains("put     billing/api_key"))
        #expect(audit.contains("delete  billing/api_key"))
        #expect(audit.contains("admin-api from 127.0.0.1"))
        #expect(!audit.contains(canary))
        let bad = try await vault.cli(["vault", "list"])
        #expect(!bad.contains("bad/"), "a refused write was stored")
    }

    @Test func serveExplainsASealedVaultAMissingSecretAndAWrongKey() async throws {
        let vault = try await VaultSetup.make()
        let directory = vault.directory
        func serve(_ config: String, environment: [String: String] = [:]) async throws -> (
            status: Int32, stderr: String
        ) {
            let path = directory + "/serve-\(UUID().uuidString).yaml"
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            let result = try await GatewayProcess.run(
                ["serve", "--config", path, "--port", "0"], environment: environment)
            return (result.status, result.stderr)
        }
        let connection = """
            connections:
              crm:
                adapter: http
                base_url: http://127.0.0.1:1
                credentials: { token: vault:crm/token }
                options: { template: "Bearer {token}" }
            """
        // No key in the environment: sealed, and the message says how to provide one.
        var result = try await serve(
            "vault: { path: \(vault.dbPath), master_key: env:GH_TEST_UNSET_MASTER_KEY }\n" + connection)
        #expect(result.status != 0)
        #expect(result.stderr.contains("is sealed: no master key was given"), "\(result.stderr)")
        #expect(result.stderr.contains("GH_TEST_UNSET_MASTER_KEY"))
        #expect(!result.stderr.contains("Fatal error"))
        // The wrong key: named by id, never shown.
        let wrongKey = try await vault.cli(["vault", "generate-key"]).trimmingCharacters(in: .whitespacesAndNewlines)
        result = try await serve(
            "vault: { path: \(vault.dbPath), master_key: env:GH_TEST_MASTER_KEY }\n" + connection,
            environment: ["GH_TEST_MASTER_KEY": wrongKey]
        )
        #expect(result.status != 0)
        #expect(result.stderr.contains("does not open the vault"), "\(result.stderr)")
        #expect(!result.stderr.contains(wrongKey))
        // The right key but a secret that is not there: connection and key are named.
        result = try await serve(
            "vault: { path: \(vault.dbPath), master_key: \"file:\(directory)/master.key\" }\n" + connection)
        #expect(result.status != 0)
        #expect(
            result.stderr.contains(
                """
                connection crm: credential token (vault:crm/token) is not set (store it with `gatehouse vault put \
                crm/token`)
                """
            ),
            "\(result.stderr)"
        )
        // No vault created yet.
        result = try await serve(
            "vault: { path: \(directory)/none.db, master_key: \"file:\(directory)/master.key\" }\n" + connection)
        #expect(result.stderr.contains("gatehouse vault init"), "\(result.stderr)")
    }

    @Test func readinessFollowsTheStore() async throws {
        let vault = try await VaultSetup.make()
        let h = try await Harness.start(server: vault.section)
        #expect(try await h.client.send(.get, h.url("/readyz")).status == 200)
        try FileManager.default.moveItem(atPath: vault.dbPath, toPath: vault.dbPath + ".away")
        var status = 200
        let deadline = ContinuousClock.now + .seconds(60)
        var answer = try await h.client.send(.get, h.url("/readyz"))
        while ContinuousClock.now < deadline {
            answer = try await h.client.send(.get, h.url("/readyz"))
            status = answer.status
            if status == 503 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(status == 503)
        #expect(answer.json["error"]?["message"]?.stringValue?.contains("vault store unreachable") == true)
        try FileManager.default.moveItem(atPath: vault.dbPath + ".away", toPath: vault.dbPath)
        let backDeadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < backDeadline {
            status = try await h.client.send(.get, h.url("/readyz")).status
            if status == 200 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(status == 200)
        await h.finish()
    }

    @Test func theCLITakesValuesOnlyFromStdinOrAFileAndRotatesTheMasterKey() async throws {
        let vault = try await VaultSetup.make()
        // A value on the command line is refused (it would land in shell history and ps).
        let argv = try await GatewayProcess.run([
            "vault", "put", "crm/token", "s3cr3t-in-argv", "--config", vault.configPath,
        ])
        #expect(argv.status != 0)
        #expect(!(try await vault.cli(["vault", "list"])).contains("crm/token"))
        let file = vault.directory + "/value.txt"
        try "from-a-file\n".write(toFile: file, atomically: true, encoding: .utf8)
        try await vault.cli(["vault", "put", "crm/token", "--from-file", file])
        #expect(try await vault.cli(["vault", "reveal", "crm/token"]) == "from-a-file\n")
        for index in 0..<10 { try await vault.put("many/secret-\(index)", "value-\(index)") }

        // A key file others can read is refused.
        let loose = vault.directory + "/loose.key"
        try await vault.cli(["vault", "generate-key", "--out", loose])
        chmod(loose, 0o644)
        let refused = try await GatewayProcess.run([
            "vault", "rotate-master", "--new-key-file", loose, "--config", vault.configPath,
        ])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("must be 0600 or stricter"))

        let newKey = vault.directory + "/new.key"
        try await vault.cli(["vault", "generate-key", "--out", newKey])
        let rotated = try await vault.cli(["vault", "rotate-master", "--new-key-file", newKey])
        #expect(rotated.contains("Rotated"), "\(rotated)")
        #expect(rotated.contains("all 12 secrets open"), "\(rotated)")
        // Running it again (as after an interruption) completes without harm.
        #expect(try await vault.cli(["vault", "rotate-master", "--new-key-file", newKey]).contains("Already sealed"))
        // The old key no longer opens the vault; the new one opens every secret.
        let old = try await GatewayProcess.run(["vault", "list", "--config", vault.configPath])
        #expect(old.stderr.contains("does not open the vault"))
        try FileManager.default.removeItem(atPath: vault.directory + "/master.key")
        try FileManager.default.copyItem(atPath: newKey, toPath: vault.directory + "/master.key")
        for index in 0..<10 {
            #expect(try await vault.cli(["vault", "reveal", "many/secret-\(index)"]) == "value-\(index)\n")
        }
    }
}
