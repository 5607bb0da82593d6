import GatehouseCore
import HTTPTypes
import NIOCore
import Synchronization
import Testing

/// `UpstreamClient` signs only what goes to `base_url`'s origin, also on its fast path (a URL
/// built on the base prefix is not parsed again): look-alike URLs must never carry credentials.
@Suite struct OriginPinningTests {
    /// Records whether each request it is given was signed.
    final class RecordingTransport: UpstreamTransport {
        let signed = Mutex<[String: Bool]>([:])

        func send(_ request: UpstreamRequest) async throws -> UpstreamResponse {
            self.signed.withLock { $0[request.url] = request.headers[MarkingSigner.field] != nil }
            return UpstreamResponse(status: 200, headers: [:], body: .from(ByteBuffer()))
        }
    }

    /// Adds a marker header in place of a credential.
    struct MarkingSigner: RequestSigner {
        static let field = HTTPField.Name("X-Signed")!
        func sign(_ request: inout UpstreamRequest) async throws { request.headers[Self.field] = "1" }
    }

    func signed(_ url: String, base: String) async throws -> Bool {
        let transport = RecordingTransport()
        let client = UpstreamClient(
            connection: "c",
            baseURL: try #require(BaseURL(base)),
            transport: transport,
            options: TransportOptions(),
            followRedirects: false,
            maxResponseBytes: 1 << 20
        ).signed(by: MarkingSigner())
        _ = try await client.send(UpstreamRequest(method: .get, url: url))
        let recorded = transport.signed.withLock { $0[url] }
        #expect(recorded != nil, "the transport never saw \(url)")
        return recorded ?? false
    }

    @Test(arguments: [
        "http://127.0.0.1:9100/api",
        "http://127.0.0.1:9100/api/items/1",
        "http://127.0.0.1:9100/api?page=2",
        "http://127.0.0.1:9100/other",
        "http://127.0.0.1:9100/apiary",
    ])
    func urlsOnTheOriginAreSigned(url: String) async throws {
        #expect(try await self.signed(url, base: "http://127.0.0.1:9100/api"))
    }

    @Test(arguments: [
        "http://127.0.0.1:9100@evil.example/api",
        "http://127.0.0.1:9100.evil.example/api",
        "http://127.0.0.1:91000/api",
        "http://127.0.0.1:9101/api",
        "https://127.0.0.1:9100/api",
        "http://127.0.0.1:9100/api#@evil.example",
        "http://127.0.0.1:9100/api/a b",
        "http://127.0.0.1.evil.example:9100/api",
    ])
    func lookAlikeURLsAreNotSigned(url: String) async throws {
        #expect(try await !self.signed(url, base: "http://127.0.0.1:9100/api"))
    }

    @Test(arguments: [
        "http://127.0.0.1:9100@evil.example/",
        "http://127.0.0.1:9100.evil.example/",
        "http://127.0.0.1:91000/",
        "http://127.0.0.1:9100#@evil.example/",
        "http://127.0.0.1:9100/ evil",
    ])
    func aBaseWithoutPathAdmitsNoLongerAuthority(url: String) async throws {
        #expect(try await !self.signed(url, base: "http://127.0.0.1:9100"))
        #expect(try await self.signed("http://127.0.0.1:9100/x?y=1", base: "http://127.0.0.1:9100"))
    }

    @Test func aDefaultPortBaseDoesNotAdmitAnotherPort() async throws {
        #expect(try await self.signed("http://example.test/v1/x", base: "http://example.test/v1"))
        #expect(try await !self.signed("http://example.test:8080/v1/x", base: "http://example.test/v1"))
        #expect(try await !self.signed("http://example.test.evil/v1/x", base: "http://example.test/v1"))
    }
}
