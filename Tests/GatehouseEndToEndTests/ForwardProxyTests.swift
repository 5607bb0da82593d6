import Foundation
import GatehouseCore
import GatehouseTestSupport
import Testing

/// `proxy:` through a real tinyproxy: plain HTTP upstreams are forwarded, HTTPS upstreams go
/// through CONNECT with the credential inside the tunnel, a proxy login comes from the vault, a
/// proxy that is down is `upstream_unreachable`.
@Suite(.timeLimit(.minutes(3))) struct ForwardProxyTests {
    @Test func plainAndTLSUpstreamsGoThroughTheProxyAndTheCredentialStaysInsideTheTunnel() async throws {
        let proxy = try await ForwardProxyFixture.start()
        defer { proxy.stop() }
        let echo = try await EchoFixture.start()
        defer { echo.stop() }
        let h = try await TLSHarness.start { nginx, certificates in
            [
                ("plain", TLSHarness.connection("plain", echo.baseURL, "proxy: \(proxy.url)")),
                (
                    "tls",
                    TLSHarness.connection(
                        "tls", nginx.baseURL(.trusted), "proxy: \(proxy.url)\nca_file: \(certificates.ca)")
                ),
            ]
        }
        let plain = try await h.client.send(
            .post, h.url("/proxy/plain/orders"), headers: h.auth, body: Array("hello".utf8))
        #expect(plain.status == 200, "\(plain.text)")
        #expect(echo.recorder.all.last?.body == Array("hello".utf8))
        #expect(proxy.log.contains("POST \(echo.baseURL)/orders"), "\(proxy.log)")

        let tls = try await h.client.send(.get, h.url("/proxy/tls/items"), headers: h.auth)
        #expect(tls.status == 200, "\(tls.text)")
        #expect(proxy.log.contains("CONNECT 127.0.0.1:\(h.nginx.ports[.trusted]!)"), "\(proxy.log)")
        #expect(
            await h.nginx.requests(to: .trusted, awaiting: 1).first?.contains("Bearer \(h.canary)") == true,
            "\(h.nginx.accessLog)")
        // The proxy saw the tunnel's target, never what went inside it.
        #expect(!proxy.log.contains(h.canary), "\(proxy.log)")
        #expect(!proxy.log.contains("/items"), "\(proxy.log)")
        await h.finish()
    }

    @Test func aProxyLoginComesFromTheVault() async throws {
        let login = (user: "gatehouse", password: "proxy-" + UUID().uuidString.prefix(8))
        let proxy = try await ForwardProxyFixture.start(login: (login.user, String(login.password)))
        defer { proxy.stop() }
        let vault = try await VaultSetup.make()
        try await vault.put("egress/user", login.user)
        try await vault.put("egress/password", String(login.password))
        let h = try await TLSHarness.start(top: vault.section) { nginx, certificates in
            let target = nginx.baseURL(.trusted)
            return [
                (
                    "with-login",
                    TLSHarness.connection(
                        "with-login", target,
                        """
                        proxy: \(proxy.url)\nproxy_credentials: { username: vault:egress/user, password: \
                        vault:egress/password }\nca_file: \(certificates.ca)
                        """
                    )
                ),
                (
                    "without-login",
                    TLSHarness.connection("without-login", target, "proxy: \(proxy.url)\nca_file: \(certificates.ca)")
                ),
            ]
        }
        let ok = try await h.client.send(.get, h.url("/proxy/with-login/items"), headers: h.auth)
        #expect(ok.status == 200, "\(ok.text)")
        let refused = try await h.client.send(.get, h.url("/proxy/without-login/items"), headers: h.auth)
        #expect(refused.status == 502, "\(refused.text)")
        #expect(await h.nginx.requests(to: .trusted, awaiting: 1).count == 1, "\(h.nginx.accessLog)")
        #expect(!h.gateway.log.contains(String(login.password)))
        await h.finish()
    }

    @Test func anHTTPSProxyIsVerifiedAndGetsItsLoginInsideTLS() async throws {
        let certificates = try await TLSCertificates.make()
        let proxy = try await ForwardProxyFixture.start(
            login: ("gatehouse", "tls-proxy-secret"), tls: certificates.server)
        defer { proxy.stop() }
        let untrusted = try await ForwardProxyFixture.start(tls: certificates.untrusted)
        defer { untrusted.stop() }
        let h = try await TLSHarness.start(
            certificates: certificates, environment: ["PROXY_USER": "gatehouse", "PROXY_PASSWORD": "tls-proxy-secret"]
        ) {
            nginx, certificates in
            let login = "proxy_credentials: { username: env:PROXY_USER, password: env:PROXY_PASSWORD }"
            return [
                (
                    "https-proxy",
                    TLSHarness.connection(
                        "https-proxy", nginx.baseURL(.trusted),
                        "proxy: \(proxy.url)\n\(login)\nca_file: \(certificates.ca)")
                ),
                (
                    "bad-proxy",
                    TLSHarness.connection(
                        "bad-proxy", nginx.baseURL(.trusted), "proxy: \(untrusted.url)\nca_file: \(certificates.ca)")
                ),
            ]
        }
        #expect(proxy.url.hasPrefix("https://"))
        let ok = try await h.client.send(.get, h.url("/proxy/https-proxy/items"), headers: h.auth)
        #expect(ok.status == 200, "\(ok.text)")
        #expect(proxy.log.contains("CONNECT 127.0.0.1:\(h.nginx.ports[.trusted]!)"), "\(proxy.log)")
        // A proxy whose certificate is not trusted is refused like an upstream would be.
        let refused = try await h.client.send(.get, h.url("/proxy/bad-proxy/items"), headers: h.auth)
        #expect(refused.status == 502, "\(refused.text)")
        #expect(refused.json["error"]?["upstream_kind"]?.stringValue == "tls_verification", "\(refused.text)")
        #expect(!untrusted.log.contains("CONNECT 127.0.0.1"), "\(untrusted.log)")
        #expect(await h.nginx.requests(to: .trusted, awaiting: 1).count == 1)
        await h.finish()
    }

    @Test func aProxyThatIsDownIsUpstreamUnreachable() async throws {
        // Bound but not listening, and held for the whole test: connections to it are refused,
        // and no other test's server can take the port meanwhile (a merely free port could be).
        let (socket, port) = try RawConnection.listener()
        defer { close(socket) }
        let h = try await TLSHarness.start { nginx, certificates in
            [
                (
                    "down",
                    TLSHarness.connection(
                        "down", nginx.baseURL(.trusted), "proxy: http://127.0.0.1:\(port)\nca_file: \(certificates.ca)")
                )
            ]
        }
        let answer = try await h.client.send(.get, h.url("/proxy/down/items"), headers: h.auth)
        #expect(answer.status == 502, "\(answer.text)")
        #expect(answer.errorCode == "upstream_unreachable", "\(answer.text)")
        #expect(h.nginx.accessLog.isEmpty)
        await h.finish()
    }
}
