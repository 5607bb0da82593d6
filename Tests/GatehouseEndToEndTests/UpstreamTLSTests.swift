import Foundation
import GatehouseCore
import GatehouseTestSupport
import Testing

/// Upstream TLS against a real nginx on loopback: verification holds for every bad certificate
/// (and nothing of the request is sent), a trusted chain works over HTTP/1.1 and HTTP/2,
/// `ca_file` / `ca_mode` / `tls_min_version` do what Config/README.md says.
@Suite(.timeLimit(.minutes(3))) struct UpstreamTLSTests {
    @Test func aTrustedChainAnswersOverHTTP1AndOverHTTP2WhenTheServerOffersIt() async throws {
        let h = try await TLSHarness.start { nginx, certificates in
            [
                ("trusted", TLSHarness.connection("trusted", nginx.baseURL(.trusted), "ca_file: \(certificates.ca)")),
                ("h2", TLSHarness.connection("h2", nginx.baseURL(.http2), "ca_file: \(certificates.ca)")),
            ]
        }
        let one = try await h.client.send(.get, h.url("/proxy/trusted/items"), headers: h.auth)
        #expect(one.status == 200, "\(one.text)")
        #expect(one.json["server"]?.stringValue == "trusted")
        #expect(one.json["protocol"]?.stringValue == "HTTP/1.1")
        let two = try await h.client.send(.get, h.url("/proxy/h2/items"), headers: h.auth)
        #expect(two.status == 200, "\(two.text)")
        #expect(two.json["protocol"]?.stringValue == "HTTP/2.0")
        // What nginx saw: the protocol, and the credential arriving inside TLS.
        #expect(
            await h.nginx.requests(to: .trusted, awaiting: 1).first?.contains("HTTP/1.1") == true,
            "\(h.nginx.accessLog)")
        #expect(
            await h.nginx.requests(to: .http2, awaiting: 1).first?.contains("HTTP/2.0") == true, "\(h.nginx.accessLog)")
        #expect(h.nginx.requests(to: .http2).first?.contains("Bearer \(h.canary)") == true)
        await h.finish()
    }

    @Test func everyBadCertificateIsRefusedAndNothingOfTheRequestIsSent() async throws {
        let cases: [(NginxTLSFixture.Server, String)] = [
            (.wrongName, "does not name the upstream's host"),
            (.expired, "has expired"),
            (.selfSigned, "self-signed"),
            (.untrusted, "issuer is not trusted"),
        ]
        let h = try await TLSHarness.start { nginx, certificates in
            cases.map { server, _ in
                (
                    server.rawValue,
                    TLSHarness.connection(server.rawValue, nginx.baseURL(server), "ca_file: \(certificates.ca)")
                )
            }
        }
        let body = Array("BODY-CANARY-\(UUID().uuidString)".utf8)
        for (server, reason) in cases {
            let answer = try await h.client.send(
                .post, h.url("/proxy/\(server.rawValue)/upload"), headers: h.auth, body: body)
            #expect(answer.status == 502, "\(server): \(answer.text)")
            #expect(answer.errorCode == "upstream_error", "\(server): \(answer.text)")
            #expect(
                answer.json["error"]?["upstream_kind"]?.stringValue == "tls_verification", "\(server): \(answer.text)")
            #expect(
                answer.json["error"]?["message"]?.stringValue?.contains(reason) == true, "\(server): \(answer.text)")
            #expect(h.nginx.requests(to: server).isEmpty, "\(server): a request reached HTTP: \(h.nginx.accessLog)")
        }
        // Nothing of any request (body or credential) reached nginx at all.
        #expect(h.nginx.accessLog.isEmpty, "\(h.nginx.accessLog)")
        await h.finish()
    }

    @Test func withoutCAFileThePrivateCAIsNotTrusted() async throws {
        let h = try await TLSHarness.start { nginx, _ in
            [("plain", TLSHarness.connection("plain", nginx.baseURL(.trusted)))]
        }
        let answer = try await h.client.send(.get, h.url("/proxy/plain/items"), headers: h.auth)
        #expect(answer.status == 502)
        #expect(answer.json["error"]?["upstream_kind"]?.stringValue == "tls_verification", "\(answer.text)")
        #expect(h.nginx.accessLog.isEmpty)
        await h.finish()
    }

    @Test func caModeAddAndReplaceBothTrustTheFile() async throws {
        let h = try await TLSHarness.start { nginx, certificates in
            [
                (
                    "add",
                    TLSHarness.connection("add", nginx.baseURL(.trusted), "ca_file: \(certificates.ca)\nca_mode: add")
                ),
                (
                    "replace",
                    TLSHarness.connection(
                        "replace", nginx.baseURL(.trusted), "ca_file: \(certificates.ca)\nca_mode: replace")
                ),
            ]
        }
        for name in ["add", "replace"] {
            let answer = try await h.client.send(.get, h.url("/proxy/\(name)/items"), headers: h.auth)
            #expect(answer.status == 200, "\(name): \(answer.text)")
        }
        await h.finish()
    }

    @Test func tlsMinVersionRefusesAServerBelowIt() async throws {
        let h = try await TLSHarness.start { nginx, certificates in
            [
                (
                    "v12",
                    TLSHarness.connection(
                        "v12", nginx.baseURL(.tls12Only), "ca_file: \(certificates.ca)\ntls_min_version: \"1.2\"")
                ),
                (
                    "v13",
                    TLSHarness.connection(
                        "v13", nginx.baseURL(.tls12Only), "ca_file: \(certificates.ca)\ntls_min_version: \"1.3\"")
                ),
            ]
        }
        let ok = try await h.client.send(.get, h.url("/proxy/v12/items"), headers: h.auth)
        #expect(ok.status == 200, "\(ok.text)")
        #expect(
            await h.nginx.requests(to: .tls12Only, awaiting: 1).first?.contains("TLSv1.2") == true,
            "\(h.nginx.accessLog)")
        let refused = try await h.client.send(.post, h.url("/proxy/v13/items"), headers: h.auth, body: Array("x".utf8))
        #expect(refused.status == 502, "\(refused.text)")
        #expect(refused.errorCode == "upstream_error")
        #expect(refused.json["error"]?["upstream_kind"]?.stringValue == "tls_handshake", "\(refused.text)")
        #expect(h.nginx.requests(to: .tls12Only).count == 1, "\(h.nginx.accessLog)")
        await h.finish()
    }
}
