import Foundation
import GatehouseCore
import GatehouseTestSupport
import Testing

/// mTLS to an upstream: nginx requires a client certificate signed by the private CA; the key
/// lives only in the vault and reaches libcurl in memory.
@Suite(.timeLimit(.minutes(3))) struct ClientCertificateTests {
    @Test func theUpstreamAcceptsGatehousesCertificateAndRefusesACallerWithoutOne() async throws {
        let vault = try await VaultSetup.make()
        let certificates = try await TLSCertificates.make()
        try await vault.put("mtls/client_key", certificates.client.keyPEM)
        try await vault.put("mtls/client_cert", certificates.client.certificatePEM)
        let h = try await TLSHarness.start(certificates: certificates, top: vault.section) { nginx, certificates in
            let url = nginx.baseURL(.clientCertificate)
            let ca = "ca_file: \(certificates.ca)"
            return [
                (
                    "from-file",
                    TLSHarness.connection(
                        "from-file", url,
                        """
                        \(ca)\nclient_certificate: { cert: \"file:\(certificates.client.certificate)\", key: \
                        vault:mtls/client_key }
                        """
                    )
                ),
                (
                    "from-vault",
                    TLSHarness.connection(
                        "from-vault", url,
                        "\(ca)\nclient_certificate: { cert: vault:mtls/client_cert, key: vault:mtls/client_key }")
                ),
                ("without", TLSHarness.connection("without", url, ca)),
            ]
        }
        for name in ["from-file", "from-vault"] {
            let answer = try await h.client.send(.get, h.url("/proxy/\(name)/items"), headers: h.auth)
            #expect(answer.status == 200, "\(name): \(answer.text)")
        }
        let dn = await h.nginx.requests(to: .clientCertificate, awaiting: 2)
        #expect(dn.count == 2 && dn.allSatisfy { $0.contains("CN=gatehouse-client") }, "\(h.nginx.accessLog)")
        // A caller without a certificate: nginx answers its own 400, passed through as the upstream's answer.
        let refused = try await h.client.send(.get, h.url("/proxy/without/items"), headers: h.auth)
        #expect(refused.status == 400, "\(refused.text)")
        #expect(refused.text.contains("No required SSL certificate was sent"), "\(refused.text)")
        // The key was never written anywhere but the (encrypted) vault.
        let keyLine = certificates.client.keyPEM.split(separator: "\n").dropFirst().first.map(String.init) ?? "?"
        #expect(!vault.onDisk(keyLine))
        #expect(!h.gateway.log.contains(keyLine))
        await h.finish()
    }

    @Test func aKeyThatDoesNotMatchTheCertificateRefusesToStart() async throws {
        let vault = try await VaultSetup.make()
        let certificates = try await TLSCertificates.make()
        let stray = try String(contentsOfFile: certificates.strayKey, encoding: .utf8)
        try await vault.put("mtls/client_key", stray)
        let config = """
            server: { host: 127.0.0.1, port: 0 }
            \(vault.section)
            connections:
              mtls:
                adapter: http
                base_url: https://127.0.0.1:1
                client_certificate: { cert: "file:\(certificates.client.certificate)", key: vault:mtls/client_key }
            """
        let path = vault.directory + "/mismatch.yaml"
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await GatewayProcess.run(["serve", "--config", path, "--port", "0"])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("mismatch.yaml:8: connections.mtls.client_certificate"), "\(result.stderr)")
        #expect(result.stderr.contains("does not belong to the certificate"), "\(result.stderr)")
        #expect(!result.stderr.contains(stray.split(separator: "\n")[1]))
    }
}
