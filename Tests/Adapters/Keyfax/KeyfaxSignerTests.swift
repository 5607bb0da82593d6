import GatehouseCore
import GatehouseCrypto
import GatehouseKeyfax
import Testing

/// The Keyfax signing vectors (from seed 001's worked example and the recipe in
/// Adapters/Keyfax/README.md): they pin the recipe so the adapter, the simulator and
/// independent implementations agree.
@Suite struct KeyfaxSignerTests {
    @Test func everyKnobChangesTheMessageAsTheReadmeSays() throws {
        var configuration = KeyfaxSigner.Configuration()
        configuration.fields = [.body, .nonce, .timestamp, .url, .method, .identity]
        configuration.identity = .hostName
        configuration.urlCase = .asSent
        configuration.urlEncoding = .none
        configuration.urlForm = .pathAndQuery
        configuration.signingKey = .text
        configuration.hash = .sha512
        let signer = KeyfaxSigner(configuration: configuration)
        let url = "http://127.0.0.1:9101/Interview/api/v1/startup?co=OL3_Dev"
        #expect(signer.uriPart(url) == "/Interview/api/v1/startup?co=OL3_Dev")
        let body = Array("<KeyfaxData/>".utf8)
        // Built by hand: body digest, nonce, timestamp, URL as sent (path and query), METHOD, host name.
        let raw =
            Base64.encode(Digest.md5(body)) + Self.nonce + String(Self.timestamp)
            + "/Interview/api/v1/startup?co=OL3_Dev" + "POST" + "Dev"
        let key = Array("EI4fm9mmaLttvt5485x+YfOBNYKbb++cYG5HH/aZ8VfT2SdXLwrKHjKqCjckTsovVyoUm1x0CrMRM/wDFc1LTw==".utf8)
        let expected = Base64.encode(HMAC.authenticationCode(.sha512, key: key, message: Array(raw.utf8)))
        let signature = try signer.signature(
            method: "post", url: url, body: body, hostName: "Dev", keys: Self.keys, timestamp: Self.timestamp,
            nonce: Self.nonce)
        #expect(signature == expected)
        // The defaults still give the recipe's lower-cased, .NET-encoded absolute URL.
        #expect(
            KeyfaxSigner().uriPart(url)
                == "http%3a%2f%2f127.0.0.1%3a9101%2finterview%2fapi%2fv1%2fstartup%3fco%3dol3_dev")
    }

    static let keys = KeyfaxSigner.Keys(
        apiKey: "28f7d828-3f78-4482-a0ac-5f5a64edd4b4",
        signingKey: Secret("EI4fm9mmaLttvt5485x+YfOBNYKbb++cYG5HH/aZ8VfT2SdXLwrKHjKqCjckTsovVyoUm1x0CrMRM/wDFc1LTw==")
    )
    static let timestamp: Int64 = 1_763_812_800
    static let nonce = "9f1c2d3e4b5a69788796a5b4c3d2e1f0"

    @Test func resultsPostVector() throws {
        let body = Array(#"{"company":"OL3_Dev","guid":"55079032-6082-4fd3-af59-4cf3a1f701cb"}"#.utf8)
        let signer = KeyfaxSigner()
        #expect(signer.bodyPart(body) == "KOeZBEYQASPybJdI+Fpnpg==")
        let header = try signer.authorization(
            method: "POST",
            url: "http://127.0.0.1:9101/interview/api/v1/results",
            body: body,
            hostName: "Dev",
            keys: Self.keys,
            timestamp: Self.timestamp,
            nonce: Self.nonce
        )
        #expect(
            header
                == """
                Basic Dev:28f7d828-3f78-4482-a0ac-5f5a64edd4b4:K9CpdTpeXuqWITQba+vwZIsMfa8cYy+kg8RjQl3e3sQ=:9f1c2d3\
                e4b5a69788796a5b4c3d2e1f0:1763812800
                """
        )
    }

    @Test func tokenGetVectorWithoutBody() throws {
        let signature = try KeyfaxSigner().signature(
            method: "GET",
            url: "http://127.0.0.1:9101/interview/api/v1/token",
            body: [],
            hostName: "Dev",
            keys: Self.keys,
            timestamp: Self.timestamp,
            nonce: Self.nonce
        )
        #expect(signature == "ZjXnKDChYp3xluSh0AHOCZF+nA04yIDV0yxhiIbqP+I=")
    }

    @Test func startupVectorWithQueryEscapesAndMixedCase() throws {
        let url = "http://127.0.0.1:9101/Interview/api/v1/startup?co=OL3_Dev&Mode=ROL%20Repair"
        #expect(
            KeyfaxSigner.uriPart(url)
                == """
                http%3a%2f%2f127.0.0.1%3a9101%2finterview%2fapi%2fv1%2fstartup%3fco%3dol3_dev%26mode%3drol%2520repa\
                ir
                """
        )
        let body = Array("<KeyfaxData><Mode>ROL</Mode></KeyfaxData>".utf8)
        let signer = KeyfaxSigner()
        #expect(signer.bodyPart(body) == "bOZevBM06M4//yqdKbDvkQ==")
        let signature = try signer.signature(
            method: "post",
            url: url,
            body: body,
            hostName: "Dev",
            keys: Self.keys,
            timestamp: Self.timestamp,
            nonce: Self.nonce
        )
        #expect(signature == "LR5gfBDdxDgdRq9ldieucylw6ob+I9IKJV0ew2dZWgI=")
    }

    @Test func knobsChangeTheSignature() throws {
        func sign(_ configuration: KeyfaxSigner.Configuration) throws -> String {
            try KeyfaxSigner(configuration: configuration).signature(
                method: "POST",
                url: "http://h/x",
                body: Array("b".utf8),
                hostName: "Dev",
                keys: Self.keys,
                timestamp: 1,
                nonce: "n"
            )
        }
        var sha512 = KeyfaxSigner.Configuration()
        sha512.hash = .sha512
        var noBody = KeyfaxSigner.Configuration()
        noBody.bodyDigest = .none
        var host = KeyfaxSigner.Configuration()
        host.identity = .hostName
        let signatures = try [KeyfaxSigner.Configuration(), sha512, noBody, host].map(sign)
        #expect(Set(signatures).count == 4)
        #expect(Base64.decode(signatures[1])?.count == 64)
    }

    @Test func encodingFollowsDotNet() {
        #expect(DotNetURLEncoding.encode("a b+c/é(x)*-._!~") == "a+b%2bc%2f%c3%a9(x)*-._!%7e")
    }

    @Test func noncesAreFreshAndWellFormed() {
        let nonces = (0..<1000).map { _ in KeyfaxSigner.newNonce() }
        #expect(Set(nonces).count == 1000)
        #expect(nonces.allSatisfy { $0.count == 32 && $0.allSatisfy { "0123456789abcdef".contains($0) } })
    }

    @Test func aSigningKeyThatIsNotBase64IsRefused() {
        #expect(throws: KeyfaxSigner.SigningError.self) {
            try KeyfaxSigner().signature(
                method: "GET",
                url: "http://h/x",
                body: [],
                hostName: "Dev",
                keys: .init(apiKey: "k", signingKey: Secret("not base64!")),
                timestamp: 1,
                nonce: "n"
            )
        }
    }

    @Test func jwtExpiryIsReadWithoutVerification() {
        let payload = Base64.urlEncode(Array(#"{"iss":"Dev","apiKey":"k","exp":1763899200}"#.utf8))
        let token = "eyJhbGciOiJIUzI1NiJ9.\(payload).c2ln"
        #expect(KeyfaxJWT.expiry(of: token) == Timestamp(seconds: 1_763_899_200))
        let issued = Timestamp(seconds: 1_763_812_800)
        #expect(KeyfaxJWT.expiry(of: "opaque-token", issuedAt: issued) == Timestamp(seconds: 1_763_899_200))
        #expect(KeyfaxJWT.expiry(of: "a.b.c") == nil)
    }
}
