import GatehouseCore
import GatehouseCurl
import GatehouseTestSupport
import HTTPTypes
import Logging
import NIOCore
import Foundation
import Testing

@Suite(.timeLimit(.minutes(3))) struct CurlTransportTests {
    let transport = CurlTransport(logger: Logger(label: "test.curl"))

    func send(_ request: UpstreamRequest) async throws -> (UpstreamResponse, [UInt8]) {
        let response = try await self.transport.send(request)
        var body = try await response.collectBody(upTo: 1 << 28)
        return (response, body.readBytes(length: body.readableBytes) ?? [])
    }

    @Test func requestArrivesUnchanged() async throws {
        let echo = try await EchoFixture.start()
        defer { echo.stop() }
        var headers = HTTPFields()
        headers[.init("X-Thing")!] = "a, b; c=\"d\""
        headers[.contentType] = "text/plain"
        let (response, body) = try await self.send(
            UpstreamRequest(
                method: .post, url: "\(echo.baseURL)/p/a%2Fb?q=1&r=%20x", headers: headers,
                body: .bytes(ByteBuffer(string: "hello")))
        )
        #expect(response.status == 200)
        #expect(response.headers[.init("X-Echo")!] == "1")
        let seen = try #require(echo.recorder.all.first)
        #expect(seen.method == "POST")
        #expect(seen.path == "/p/a%2Fb")
        #expect(seen.query == "q=1&r=%20x")
        #expect(seen.header("X-Thing") == "a, b; c=\"d\"")
        #expect(seen.header("Expect") == nil)
        #expect(seen.header("Accept") == nil)
        #expect(seen.header("Content-Length") == "5")
        #expect(seen.body == Array("hello".utf8))
        #expect((try JSON.parse(body))["method"] == "POST")
    }

    /// The header list is built by hand in one allocation (``CurlTransfer/headerList(for:)``):
    /// every line arrives as sent, in order, an empty value as an empty value, a repeated name
    /// twice, the caller's own `Accept` kept, and nothing curl would add on its own.
    @Test func headerLinesArriveExactly() async throws {
        let echo = try await EchoFixture.start()
        defer { echo.stop() }
        var headers = HTTPFields()
        headers.append(HTTPField(name: .init("X-First")!, value: "1"))
        headers.append(HTTPField(name: .init("X-Empty")!, value: ""))
        headers.append(HTTPField(name: .init("X-Twice")!, value: "a"))
        headers.append(HTTPField(name: .init("X-Twice")!, value: "b"))
        headers.append(HTTPField(name: .accept, value: "application/xml"))
        headers.append(HTTPField(name: .init("X-Long")!, value: String(repeating: "v", count: 5000)))
        for _ in 0..<2 {  // the second time on a pooled handle, whose previous list was freed
            let (response, _) = try await self.send(
                UpstreamRequest(method: .get, url: "\(echo.baseURL)/h", headers: headers))
            #expect(response.status == 200)
        }
        #expect(echo.recorder.all.count == 2)
        for seen in echo.recorder.all {
            let ours = seen.headers.filter { $0.name.lowercased().hasPrefix("x-") || $0.name.lowercased() == "accept" }
            #expect(ours.map(\.name) == ["X-First", "X-Empty", "X-Twice", "X-Twice", "Accept", "X-Long"])
            #expect(ours.map(\.value) == ["1", "", "a", "b", "application/xml", String(repeating: "v", count: 5000)])
            #expect(seen.header("Expect") == nil)
        }
        // Freed on the curl thread right after the body's end: poll, do not race it.
        let deadline = ContinuousClock.now + .seconds(30)
        while self.transport.census.headerLists > 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(self.transport.census.headerLists == 0)
    }

    @Test func streamedBodiesOfUnknownAndKnownLength() async throws {
        let echo = try await EchoFixture.start()
        defer { echo.stop() }
        for length in [nil, 3 * 100_000] as [Int?] {
            let stream = ByteStream(highWatermark: 64 * 1024)
            let producer = Task {
                for index in 0..<3 { try await stream.write(ByteBuffer(repeating: UInt8(65 + index), count: 100_000)) }
                stream.finish()
            }
            let (response, _) = try await self.send(
                UpstreamRequest(method: .put, url: "\(echo.baseURL)/up", body: .stream(stream, length: length)))
            try await producer.value
            #expect(response.status == 200)
            let seen = try #require(echo.recorder.all.last)
            #expect(seen.bodyBytes == 300_000)
            #expect(seen.body?.prefix(100_000).allSatisfy { $0 == 65 } == true)
            #expect(seen.body?.suffix(100_000).allSatisfy { $0 == 67 } == true)
            #expect(seen.header("Transfer-Encoding") == (length == nil ? "chunked" : nil))
        }
    }

    @Test func connectionsAreKeptAliveAndReused() async throws {
        let echo = try await EchoFixture.start()
        defer { echo.stop() }
        for _ in 0..<50 { _ = try await self.send(UpstreamRequest(method: .get, url: "\(echo.baseURL)/k")) }
        #expect(Set(echo.recorder.all.map(\.peerPort)).count <= 2)
    }

    @Test func concurrentRequests() async throws {
        let echo = try await EchoFixture.start()
        defer { echo.stop() }
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<20 {
                group.addTask {
                    let (response, body) = try await self.send(
                        UpstreamRequest(method: .get, url: "\(echo.baseURL)/c/\(index)"))
                    #expect((try JSON.parse(body))["path"]?.stringValue == "/c/\(index)")
                    return response.status
                }
            }
            for try await status in group { #expect(status == 200) }
        }
        #expect(echo.recorder.all.count == 20)
    }

    @Test func errorsAreClassified() async throws {
        let echo = try await EchoFixture.start()
        defer { echo.stop() }
        await #expect { _ = try await self.send(UpstreamRequest(method: .get, url: "http://127.0.0.1:1/x")) } throws: {
            ($0 as? TransportError)?.kind == .unreachable
        }
        await #expect {
            _ = try await self.send(
                UpstreamRequest(
                    method: .get, url: "\(echo.baseURL)/stall?ms=10000", options: .init(timeoutMilliseconds: 500)))
        } throws: {
            ($0 as? TransportError)?.kind == .timeout
        }
        // The upstream stalls for 10 s and would then answer 200: `.timeout` proves the 500 ms cut it.
        await #expect {
            _ = try await self.send(
                UpstreamRequest(
                    method: .get, url: "\(echo.baseURL)/bytes/100000", options: .init(maxResponseBytes: 1000)))
        } throws: {
            ($0 as? TransportError)?.kind == .responseTooLarge
        }
    }

    @Test func lineBreaksCannotInjectHeadersOrRequests() async throws {
        let echo = try await EchoFixture.start()
        defer { echo.stop() }
        // HTTPFields legalises a raw value (CR/LF become spaces), so no injected header can exist.
        var headers = HTTPFields()
        headers.append(HTTPField(name: .init("X-Bad")!, lenientValue: Array("a\r\nX-Injected: 1".utf8)))
        _ = try await self.send(UpstreamRequest(method: .get, url: "\(echo.baseURL)/x", headers: headers))
        let seen = try #require(echo.recorder.all.last)
        #expect(seen.header("X-Injected") == nil)
        #expect(seen.header("X-Bad")?.contains("\r") == false)
        echo.recorder.reset()
        // A URL carrying CR/LF is refused before anything is sent.
        await #expect {
            _ = try await self.send(UpstreamRequest(method: .get, url: "\(echo.baseURL)/x\r\nHost: evil"))
        } throws: {
            ($0 as? TransportError)?.kind == .invalidRequest
        }
        await #expect { _ = try await self.send(UpstreamRequest(method: .get, url: "\(echo.baseURL)/a b")) } throws: {
            ($0 as? TransportError)?.kind == .invalidRequest
        }
        #expect(echo.recorder.all.isEmpty)
    }

    @Test func redirectsAreNotFollowedAndHeadHasNoBody() async throws {
        let echo = try await EchoFixture.start()
        defer { echo.stop() }
        let (redirect, _) = try await self.send(
            UpstreamRequest(method: .get, url: "\(echo.baseURL)/redirect?to=/elsewhere"))
        #expect(redirect.status == 302)
        #expect(redirect.headers[.location] == "/elsewhere")
        #expect(echo.recorder.all.count == 1)
        let (head, body) = try await self.send(UpstreamRequest(method: .head, url: "\(echo.baseURL)/bytes/5000"))
        #expect(head.status == 200)
        #expect(head.headers[.contentLength] == "5000")
        #expect(body.isEmpty)
    }

    /// Pooled easy handles keep their connection-level options between transfers: nothing of
    /// one request (method, body, HEAD, a response cap, a proxy) may reach the next one.
    @Test func aPooledHandleCarriesNothingOfItsPreviousRequest() async throws {
        let echo = try await EchoFixture.start()
        defer { echo.stop() }
        // One request at a time: each takes the handle the previous one gave back.
        let (head, _) = try await self.send(UpstreamRequest(method: .head, url: "\(echo.baseURL)/bytes/5000"))
        #expect(head.status == 200)
        let (afterHead, afterHeadBody) = try await self.send(
            UpstreamRequest(method: .get, url: "\(echo.baseURL)/bytes/5000"))
        #expect(afterHead.status == 200)
        #expect(afterHeadBody.count == 5000)
        _ = try await self.send(
            UpstreamRequest(method: .post, url: "\(echo.baseURL)/post", body: .bytes(ByteBuffer(string: "hello"))))
        let (afterPost, afterPostBody) = try await self.send(UpstreamRequest(method: .get, url: "\(echo.baseURL)/get"))
        #expect(afterPost.status == 200)
        #expect((try JSON.parse(afterPostBody))["method"] == "GET")
        let seen = try #require(echo.recorder.all.last)
        #expect(seen.method == "GET")
        #expect(seen.header("Content-Length") == nil)
        #expect(seen.bodyBytes == 0)
        _ = try await self.send(
            UpstreamRequest(method: .put, url: "\(echo.baseURL)/put", body: .bytes(ByteBuffer(string: "x"))))
        _ = try await self.send(UpstreamRequest(method: .delete, url: "\(echo.baseURL)/delete"))
        #expect(echo.recorder.all.last?.method == "DELETE")
        #expect(echo.recorder.all.last?.bodyBytes == 0)

        // A capped connection's handle never serves an uncapped one, and the other way round.
        let capped = TransportOptions(maxResponseBytes: 100)
        await #expect(throws: TransportError.self) {
            _ = try await self.send(UpstreamRequest(method: .get, url: "\(echo.baseURL)/bytes/5000", options: capped))
        }
        let (uncapped, uncappedBody) = try await self.send(
            UpstreamRequest(method: .get, url: "\(echo.baseURL)/bytes/5000"))
        #expect(uncapped.status == 200)
        #expect(uncappedBody.count == 5000)
        // A proxy set for one connection is not used for another's requests.
        let viaDeadProxy = TransportOptions(connectTimeoutMilliseconds: 2_000, proxy: "http://127.0.0.1:1")
        await #expect(throws: TransportError.self) {
            _ = try await self.send(
                UpstreamRequest(method: .get, url: "\(echo.baseURL)/proxied", options: viaDeadProxy))
        }
        let (direct, _) = try await self.send(UpstreamRequest(method: .get, url: "\(echo.baseURL)/direct"))
        #expect(direct.status == 200)
        await #expect(throws: TransportError.self) {
            _ = try await self.send(UpstreamRequest(method: .get, url: "\(echo.baseURL)/bytes/5000", options: capped))
        }
    }

    @Test func cancellingTheReaderStopsTheTransfer() async throws {
        let echo = try await EchoFixture.start()
        defer { echo.stop() }
        let response = try await self.transport.send(
            UpstreamRequest(method: .get, url: "\(echo.baseURL)/bytes/\(1 << 30)"))
        var iterator = response.body.makeAsyncIterator()
        _ = try await iterator.next()
        response.body.cancel()
        await #expect(throws: CancellationError.self) {
            while try await iterator.next() != nil {}
        }
        // The transport is still healthy afterwards.
        let (next, _) = try await self.send(UpstreamRequest(method: .get, url: "\(echo.baseURL)/after"))
        #expect(next.status == 200)
    }

    @Test func lateCancellationsNeverReachAReusedHandle() async throws {
        let echo = try await EchoFixture.start()
        defer { echo.stop() }
        for round in 0..<5 {
            // A finished transfer whose body is cancelled only after its pooled handle has been
            // taken by a new, still running transfer: the new one must complete intact.
            let (head, _) = try await self.send(UpstreamRequest(method: .head, url: "\(echo.baseURL)/bytes/10"))
            async let slow = self.send(UpstreamRequest(method: .get, url: "\(echo.baseURL)/stall?ms=300"))
            try await Task.sleep(for: .milliseconds(100))
            head.body.cancel()
            let (response, body) = try await slow
            #expect(response.status == 200, "round \(round)")
            #expect((try JSON.parse(body))["stalled_ms"] == 300)
        }
    }

    @Test func slowReaderBoundsMemory() async throws {
        // The upstream runs in its own process so only the transport's memory is measured here.
        let echo = try await GatewayProcess.simulator("echo")
        let before = Self.residentBytes()
        let size = 256 << 20
        // Generous: a slow reader of 256 MiB on a loaded machine must not hit the transfer timeout.
        let response = try await self.transport.send(
            UpstreamRequest(
                method: .get, url: "\(echo.baseURL)/bytes/\(size)",
                options: TransportOptions(timeoutMilliseconds: 600_000)))
        var total = 0
        var peak = before
        for try await chunk in response.body {
            total += chunk.readableBytes
            if total % (1 << 20) < chunk.readableBytes {
                try await Task.sleep(for: .milliseconds(4))
                peak = max(peak, Self.residentBytes())
            }
        }
        #expect(total == size)
        // Other suites run in parallel in this process (one allocates ~48 MiB, the PostgreSQL
        // clients and TLS fixtures more), hence the margin; buffering the body would show 256 MiB.
        #expect(peak - before < 160 << 20, "grew by \((peak - before) >> 20) MiB")
        await echo.stop()
    }

    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        let line = text.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
        return (line?.split(separator: " ").compactMap { Int($0) }.first ?? 0) * 1024
    }
}
