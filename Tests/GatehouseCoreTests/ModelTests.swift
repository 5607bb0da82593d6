import GatehouseCore
import HTTPTypes
import Testing

@Suite struct ModelTests {
    @Test func baseURLParsing() throws {
        let url = try #require(BaseURL("HTTPS://Example.COM/api/v2/"))
        #expect(url.origin == "https://example.com:443")
        #expect(url.prefix == "https://example.com/api/v2")
        let ipv6 = try #require(BaseURL("http://[::1]:9100/x"))
        #expect(ipv6.origin == "http://[::1]:9100")
        #expect(BaseURL("http://a:80")!.sameOrigin(as: BaseURL("http://a/b")!))
        #expect(!BaseURL("http://a")!.sameOrigin(as: BaseURL("https://a")!))
        #expect(!BaseURL("http://a:81")!.sameOrigin(as: BaseURL("http://a")!))
    }

    @Test func errorBodyHasTheUniformShape() {
        let error = GatewayError(
            .upstreamError, "boom", connection: "k2", upstreamStatus: 500, upstreamKind: "AS3Error")
        #expect(
            JSON.serialize(error.body(requestID: "r1"))
                == #"""
                {"error":{"code":"upstream_error","message":"boom","connection":"k2","upstream_status":500,"upstre\#
                am_kind":"AS3Error","request_id":"r1"}}
                """#
        )
        #expect(GatewayError.Code.needsReauthorization.httpStatus == 503)
        #expect(GatewayError.Code.upstreamTimeout.httpStatus == 504)
        #expect(GatewayError.Code.payloadTooLarge.httpStatus == 413)
    }

    @Test func envelopeShape() {
        let envelope = Envelope(
            data: ["a": 1], nextCursor: "c1", total: 9, meta: ["state": "done"], upstreamStatus: 200)
        #expect(
            JSON.serialize(envelope.body(connection: "k2", adapter: "k2"))
                == #"""
                {"data":{"a":1},"page":{"next":"c1","total":9},"meta":{"connection":"k2","adapter":"k2","upstream_\#
                status":200,"state":"done"}}
                """#
        )
    }

    @Test func secretNeverPrints() throws {
        let secret = Secret("canary-123")
        #expect("\(secret)" == "<redacted>")
        #expect(String(reflecting: secret) == "<redacted>")
        #expect(!"\([secret])".contains("canary"))
        #expect(secret.reveal() == "canary-123")
    }

    @Test func secretReferences() {
        #expect(SecretReference(parsing: "env:TOKEN") == .environment("TOKEN"))
        #expect(SecretReference(parsing: "vault:k2/password") == .vault("k2/password"))
        #expect(SecretReference(parsing: "TOKEN") == nil)
        #expect(SecretReference(parsing: "env:") == nil)
        #expect(SecretReference(parsing: "env:A-B") == nil)
    }

    @Test func inboundCredentialsAndHopByHopHeadersAreStripped() {
        let inbound: HTTPFields = [
            .authorization: "Bearer gh_x", HTTPField.Name("X-Client-Prefix")!: "p", .connection: "close, X-Trace",
            HTTPField.Name("X-Trace")!: "1", HTTPField.Name("Host")!: "gateway", .contentType: "application/json",
            .accept: "*/*",
            HTTPField.Name("Proxy-Authorization")!: "Basic x", .transferEncoding: "chunked",
        ]
        let upstream = HeaderPolicy.upstreamHeaders(from: inbound, credentialHeaders: ["x-client-prefix"])
        #expect(upstream.map(\.name.canonicalName) == ["content-type", "accept"])
    }

    @Test func apiKeysAreHashedAndMatched() async throws {
        let (key, hash) = APIKey.generate()
        #expect(key.hasPrefix("gh_"))
        #expect(key.count == 3 + 43)
        #expect(hash.count == 64)
        let otherHash = APIKey.generate().sha256
        func bytes(_ hex: String) -> [UInt8] {
            stride(from: 0, to: hex.count, by: 2).map {
                UInt8(
                    hex[hex.index(hex.startIndex, offsetBy: $0)..<hex.index(hex.startIndex, offsetBy: $0 + 2)],
                    radix: 16)!
            }
        }
        let authenticator = APIKeyAuthenticator(entries: [
            (bytes(otherHash), Principal(name: "other", connections: [])),
            (bytes(hash), Principal(name: "erp", connections: ["crm"])),
        ])
        let principal = try await authenticator.authenticate(
            InboundCredentials(authorization: "Bearer \(key)", clientPrefix: nil))
        #expect(principal?.name == "erp")
        #expect(principal?.mayUse("crm") == true)
        #expect(principal?.mayUse("billing") == false)
        await #expect(throws: GatewayError.self) {
            try await authenticator.authenticate(InboundCredentials(authorization: "Bearer \(key)x", clientPrefix: nil))
        }
        let notOurs = try await authenticator.authenticate(
            InboundCredentials(authorization: "Bearer other", clientPrefix: nil))
        #expect(notOurs == nil)
    }
}
