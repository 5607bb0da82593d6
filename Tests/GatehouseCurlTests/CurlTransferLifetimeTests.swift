import GatehouseCore
import GatehouseTestSupport
import HTTPTypes
import Logging
import NIOCore
import GatehouseCurl
import Testing

/// A finished transfer frees itself, its streams, its easy handle and its header list: whether
/// the answer was read to the end, cancelled mid-body, refused, or never started.
@Suite(.timeLimit(.minutes(3))) struct CurlTransferLifetimeTests {
    let transport = CurlTransport(logger: Logger(label: "test.curl.lifetime"))

    /// Weak references to what one exchange allocated.
    final class Probe: @unchecked Sendable {
        // @unchecked: each field is written once, before the awaited exchange that precedes every read.
        weak var requestBody: ByteStream?
        weak var responseBody: ByteStream?
    }

    static let empty = CurlTransport.Census(transfers: 0, easyHandles: 0, headerLists: 0)

    /// Polls until the transport holds nothing and the probe's streams are gone (generous deadline).
    func expectAllFreed(_ probe: Probe, _ comment: Comment) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if self.transport.census == Self.empty, probe.requestBody == nil, probe.responseBody == nil { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(self.transport.census == Self.empty, comment)
        #expect(probe.requestBody == nil, "the request body stream was not freed: \(comment)")
        #expect(probe.responseBody == nil, "the response body stream was not freed: \(comment)")
    }

    /// Sends a PUT with a streamed body, keeping only weak references to both streams.
    func exchange(_ url: String, probe: Probe, read: (UpstreamResponse) async throws -> Void) async throws {
        let stream = ByteStream()
        probe.requestBody = stream
        let producer = Task {
            try await stream.write(ByteBuffer(string: "payload"))
            stream.finish()
        }
        defer { producer.cancel() }
        let response = try await self.transport.send(
            UpstreamRequest(method: .put, url: url, body: .stream(stream, length: nil)))
        probe.responseBody = response.body
        try await read(response)
    }

    @Test func aConsumedAnswerFreesEverything() async throws {
        let echo = try await EchoFixture.start()
        defer { echo.stop() }
        for _ in 0..<20 {
            let probe = Probe()
            try await self.exchange("\(echo.baseURL)/consumed", probe: probe) { response in
                #expect(response.status == 200)
                _ = try await response.collectBody(upTo: 1 << 20)
            }
            try await self.expectAllFreed(probe, "after reading the answer")
        }
        #expect(echo.recorder.all.count == 20)
    }

    @Test func anAnswerCancelledMidBodyFreesEverything() async throws {
        let echo = try await EchoFixture.start()
        defer { echo.stop() }
        let probe = Probe()
        try await self.exchange("\(echo.baseURL)/bytes/\(1 << 30)", probe: probe) { response in
            var iterator = response.body.makeAsyncIterator()
            _ = try await iterator.next()
            response.body.cancel()
        }
        try await self.expectAllFreed(probe, "after cancelling mid-body")
    }

    @Test func aDroppedAnswerFreesEverything() async throws {
        let echo = try await EchoFixture.start()
        defer { echo.stop() }
        let probe = Probe()
        // The reader neither reads nor cancels: dropping the stream alone must end the transfer.
        try await self.exchange("\(echo.baseURL)/bytes/1000", probe: probe) { _ in }
        try await self.expectAllFreed(probe, "after dropping the answer unread")
    }

    @Test func refusedAndBrokenAnswersFreeEverything() async throws {
        let upstream = try HostileUpstream.start { path in
            switch path {
            case "/status": .init([.send("HTTP/1.1 1000 X\r\nContent-Length: 0\r\n\r\n")])
            case "/truncated":
                .init([.send("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + String(repeating: "x", count: 1000))]
                )
            default:
                .init(
                    [.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nZZ\r\n")], ending: .reset
                )
            }
        }
        defer { upstream.stop() }
        let refused = Probe()
        await #expect {
            try await self.exchange("\(upstream.baseURL)/status", probe: refused) { _ in }
        } throws: {
            ($0 as? TransportError)?.kind == .invalidResponse
        }
        try await self.expectAllFreed(refused, "after a refused status line")
        for path in ["/truncated", "/chunked"] {
            let broken = Probe()
            try await self.exchange("\(upstream.baseURL)\(path)", probe: broken) { response in
                await #expect(throws: TransportError.self) { _ = try await response.collectBody(upTo: 1 << 20) }
            }
            try await self.expectAllFreed(broken, "after a broken body at \(path)")
        }
    }

    @Test func aTransferCancelledBeforeItStartedFreesItsHandleAndHeaderList() async throws {
        let echo = try await EchoFixture.start()
        defer { echo.stop() }
        for _ in 0..<10 {
            let probe = Probe()
            let task = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                var headers = HTTPFields()
                headers[.init("X-Header-List")!] = "allocated"
                let stream = ByteStream.from(ByteBuffer(string: "never sent"))
                probe.requestBody = stream
                return try await self.transport.send(
                    UpstreamRequest(
                        method: .post, url: "\(echo.baseURL)/never", headers: headers, body: .stream(stream, length: 10)
                    )
                )
            }
            await #expect(throws: CancellationError.self) { _ = try await task.value }
            try await self.expectAllFreed(probe, "after cancelling before the start")
        }
        #expect(echo.recorder.all.isEmpty)
    }

    @Test func lateHooksAfterTheTransferIsGoneAreHarmless() async throws {
        let echo = try await EchoFixture.start()
        defer { echo.stop() }
        let response = try await self.transport.send(UpstreamRequest(method: .get, url: "\(echo.baseURL)/late"))
        _ = try await response.collectBody(upTo: 1 << 20)
        let probe = Probe()
        probe.responseBody = response.body
        // The transfer is gone while the caller still holds its stream: cancelling now reaches nothing.
        let deadline = ContinuousClock.now + .seconds(20)
        while self.transport.census.transfers > 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(self.transport.census == Self.empty)
        response.body.cancel()
        let next = try await self.transport.send(UpstreamRequest(method: .get, url: "\(echo.baseURL)/after"))
        #expect(next.status == 200)
        _ = try await next.collectBody(upTo: 1 << 20)
    }
}
