import Foundation
import GatehouseCore
import GatehouseTestSupport
import Testing

/// `server.tls`: the data plane over HTTPS (TLS 1.2+), a renewed certificate picked up on SIGHUP
/// without dropping an established connection, and bad material refused at start-up.
@Suite(.timeLimit(.minutes(3))) struct ListenerTLSTests {
    /// A gateway on HTTPS whose certificate and key files are copies the test can renew.
    struct Listener {
        let certificates: TLSCertificates
        let gateway: GatewayProcess
        let certificatePath: String
        let keyPath: String

        var baseURL: String { "https://127.0.0.1:\(self.gateway.port)" }

        /// `extra` is top-level YAML (clients, connections).
        static func start(extra: String = "") async throws -> Listener {
            let certificates = try await TLSCertificates.make()
            let directory = try TemporaryDirectory.make()
            let certificatePath = directory + "/listener.pem"
            let keyPath = directory + "/listener.key"
            try FileManager.default.copyItem(atPath: certificates.server.certificate, toPath: certificatePath)
            try FileManager.default.copyItem(atPath: certificates.server.key, toPath: keyPath)
            let gateway = try await GatewayProcess.start(
                config: """
                    server:
                      host: 127.0.0.1
                      port: 0
                      shutdown_grace_seconds: 5
                      tls: { cert: "file:\(certificatePath)", key: "file:\(keyPath)" }
                    \(extra)
                    """)
            return Listener(
                certificates: certificates, gateway: gateway, certificatePath: certificatePath, keyPath: keyPath)
        }

        /// The subject `openssl s_client` sees on a new connection.
        func subjectOnANewConnection() async throws -> String {
            let (_, output) = try await TLSCertificates.run(
                "/bin/sh",
                [
                    "-c",
                    """
                    openssl s_client -connect 127.0.0.1:\(self.gateway.port) -servername localhost -CAfile \
                    \(self.certificates.ca) </dev/null 2>&1
                    """,
                ])
            return output.split(separator: "\n").first { $0.hasPrefix("subject=") }.map(String.init) ?? output
        }
    }

    @Test func theDataPlaneServesHTTPSWithTLS12OrLater() async throws {
        let echo = try await EchoFixture.start()
        defer { echo.stop() }
        let (key, hash) = APIKey.generate()
        let listener = try await Listener.start(
            extra: """
                clients:
                  tester: { key_sha256: "\(hash)", connections: [echo] }
                connections:
                  echo: { adapter: http, base_url: "\(echo.baseURL)" }
                """)
        let client = TestClient(caFile: listener.certificates.ca)
        defer { client.shutdown() }
        let answer = try await client.send(.get, listener.baseURL + "/healthz")
        #expect(answer.status == 200, "\(answer.text)")
        #expect(listener.gateway.log.contains("scheme=https"))
        // The proxy route tells the upstream the caller came over HTTPS.
        let proxied = try await client.send(
            .get, listener.baseURL + "/proxy/echo/x", headers: ["Authorization": "Bearer \(key)"])
        #expect(proxied.status == 200, "\(proxied.text)")
        #expect(echo.recorder.all.last?.header("X-Forwarded-Proto") == "https")
        // TLS 1.1 is not offered; plain HTTP on the port gets no answer.
        let (old, oldOutput) = try await TLSCertificates.run(
            "/bin/sh", ["-c", "openssl s_client -connect 127.0.0.1:\(listener.gateway.port) -tls1_1 </dev/null 2>&1"])
        #expect(old != 0, "\(oldOutput)")
        let plain = try? await TestClient().send(
            .get, "http://127.0.0.1:\(listener.gateway.port)/healthz", timeoutMilliseconds: 5_000)
        #expect(plain?.status != 200)
        await listener.gateway.stop()
    }

    @Test func sighupPicksUpARenewedCertificateWithoutDroppingAConnection() async throws {
        let listener = try await Listener.start()
        #expect(try await listener.subjectOnANewConnection().contains("CN = localhost"))

        // A connection established before the reload, with a request sent after it.
        let directory = try TemporaryDirectory.make()
        let output = directory + "/s_client.out"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let client = Process()
        client.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        client.arguments = [
            "s_client", "-quiet", "-connect", "127.0.0.1:\(listener.gateway.port)", "-CAfile", listener.certificates.ca,
        ]
        let input = Pipe()
        client.standardInput = input
        let sink = FileHandle(forWritingAtPath: output)
        client.standardOutput = sink
        client.standardError = sink
        try ChildProcesses.run(client)
        let owned = ChildProcesses.owned(client)
        let writer = input.fileHandleForWriting
        try await Self.waitFor {
            (try? String(contentsOfFile: output, encoding: .utf8))?.contains("verify return:1") == true
        }

        // Renew: new files in place, then SIGHUP.
        try FileManager.default.removeItem(atPath: listener.certificatePath)
        try FileManager.default.removeItem(atPath: listener.keyPath)
        try FileManager.default.copyItem(
            atPath: listener.certificates.renewed.certificate, toPath: listener.certificatePath)
        try FileManager.default.copyItem(atPath: listener.certificates.renewed.key, toPath: listener.keyPath)
        kill(listener.gateway.pid, SIGHUP)
        try await Self.waitFor { listener.gateway.log.contains("listener certificate reloaded") }
        #expect(listener.gateway.isRunning)

        // The old connection still serves.
        writer.write(Data("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8))
        try await Self.waitFor {
            (try? String(contentsOfFile: output, encoding: .utf8))?.contains("HTTP/1.1 200") == true
        }
        try writer.close()
        _ = owned
        // New connections get the renewed certificate.
        #expect(try await listener.subjectOnANewConnection().contains("CN = localhost-renewed"))

        // A renewal that does not check out (key of another certificate) is refused; serving goes on.
        try FileManager.default.removeItem(atPath: listener.keyPath)
        try FileManager.default.copyItem(atPath: listener.certificates.server.key, toPath: listener.keyPath)
        kill(listener.gateway.pid, SIGHUP)
        try await Self.waitFor { listener.gateway.log.contains("listener certificate not reloaded") }
        #expect(listener.gateway.log.contains("does not belong to the certificate"))
        #expect(try await listener.subjectOnANewConnection().contains("CN = localhost-renewed"))
        await listener.gateway.stop()
    }

    @Test func badListenerMaterialRefusesToStartWithFileAndLine() async throws {
        let certificates = try await TLSCertificates.make()
        let directory = try TemporaryDirectory.make()
        let cases: [(cert: String, key: String, message: String)] = [
            (directory + "/missing.pem", certificates.server.key, "cannot read \(directory)/missing.pem"),
            (certificates.server.key, certificates.server.key, "the certificate file holds no PEM certificate"),
            (
                certificates.server.certificate, certificates.server.certificate,
                "the key is not an unencrypted PEM private key"
            ),
            (certificates.server.certificate, certificates.strayKey, "the key does not belong to the certificate"),
            (certificates.expired.certificate, certificates.expired.key, "the certificate expired at 2020-01-02"),
        ]
        for (index, entry) in cases.enumerated() {
            let path = directory + "/bad-\(index).yaml"
            try """
            server:
              port: 0
              tls: { cert: "file:\(entry.cert)", key: "file:\(entry.key)" }
            """.write(toFile: path, atomically: true, encoding: .utf8)
            for command in [["check-config", "--config", path], ["serve", "--config", path]] {
                let result = try await GatewayProcess.run(command)
                #expect(result.status == 2, "\(command[0]) \(index): \(result.stderr)")
                #expect(
                    result.stderr.contains("bad-\(index).yaml:3: server.tls: \(entry.message)"),
                    "\(command[0]) \(index): \(result.stderr)")
            }
        }
    }

    @Test func theAdminListenerServesHTTPSWithItsOwnCertificate() async throws {
        let certificates = try await TLSCertificates.make()
        let token = "admin-" + UUID().uuidString
        let gateway = try await GatewayProcess.start(
            config: """
                server: { host: 127.0.0.1, port: 0, shutdown_grace_seconds: 5 }
                admin:
                  token: env:ADMIN_TOKEN
                  tls: { cert: "file:\(certificates.renewed.certificate)", key: "file:\(certificates.renewed.key)" }
                """, environment: ["ADMIN_TOKEN": token])
        let adminPort = try #require(gateway.adminPort)
        #expect(gateway.log.contains("scheme=http scheme_admin=https"), "\(gateway.log)")
        let client = TestClient(caFile: certificates.ca)
        defer { client.shutdown() }
        let admin = try await client.send(
            .get, "https://127.0.0.1:\(adminPort)/admin/v1/connections", headers: ["Authorization": "Bearer \(token)"])
        #expect(admin.status == 200, "\(admin.text)")
        // Over TLS the console's cookies are `Secure`.
        let login = try await client.send(.get, "https://127.0.0.1:\(adminPort)/")
        let cookies = login.headers[values: .setCookie]
        #expect(!cookies.isEmpty && cookies.allSatisfy { $0.contains("; Secure") }, "\(cookies)")
        // The data plane stays plain HTTP; the admin port speaks only TLS.
        #expect(try await client.send(.get, gateway.baseURL + "/healthz").status == 200)
        let plain = try? await client.send(
            .get, "http://127.0.0.1:\(adminPort)/admin/v1/connections", timeoutMilliseconds: 5_000)
        #expect(plain?.status != 200)
        // SIGHUP reloads the admin listener's files too.
        kill(gateway.pid, SIGHUP)
        try await Self.waitFor {
            gateway.log.split(separator: "\n").contains {
                $0.contains("listener certificate reloaded") && $0.contains("listener=admin")
            }
        }
        #expect(!gateway.log.contains(token))
        await gateway.stop()
    }

    static func waitFor(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                throw GatewayProcessError(message: "condition not met within 30 s")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
