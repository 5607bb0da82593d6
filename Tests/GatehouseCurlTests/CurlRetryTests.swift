import GatehouseCore
@testable import GatehouseCurl
import GatehouseTestSupport
import Logging
import NIOCore
import Testing

/// A kept-alive connection the upstream closed between two requests: curl resends the request on
/// a new connection, which needs the request body from the start again.
@Suite(.timeLimit(.minutes(1))) struct CurlRetryTests {
    @Test(arguments: ["POST", "PUT"])
    func aBodyIsResentWhenAReusedConnectionWasClosed(method: String) async throws {
        // The first connection answers one request with keep-alive, reads the next one and
        // closes without a word; every later connection answers normally.
        let upstream = try HostileUpstream.start { path in
            path == "/first"
                ? .init([.send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst"), .awaitRequest])
                : .ok("second")
        }
        defer { upstream.stop() }
        let transport = CurlTransport(logger: Logger(label: "test"))
        defer { transport.shutdown() }
        let body = ByteBuffer(string: String(repeating: "payload-", count: 64))
        for (path, expected) in [("/first", "first"), ("/second", "second")] {
            let response = try await transport.send(
                UpstreamRequest(method: .init(method)!, url: upstream.baseURL + path, body: .bytes(body))
            )
            let text = String(buffer: try await response.collectBody(upTo: 1 << 16))
            #expect(response.status == 200, "\(path)")
            #expect(text == expected, "\(path)")
        }
        // The second request went out twice: on the closed connection, then on a new one.
        #expect(upstream.seenPaths == ["/first", "/second", "/second"])
    }
}
