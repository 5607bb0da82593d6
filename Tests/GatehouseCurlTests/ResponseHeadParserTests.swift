import GatehouseCore
import GatehouseCurl
import HTTPTypes
import Testing

@Suite struct ResponseHeadParserTests {
    /// Feeds `lines` and returns the completed head, or the error.
    func parse(_ lines: [String], limits: ResponseHeadParser.Limits = .init()) -> Result<
        (Int, HTTPFields)?, TransportError
    > {
        var parser = ResponseHeadParser(limits: limits)
        var head: (Int, HTTPFields)?
        do throws(TransportError) {
            for line in lines {
                if case .complete(let status, let headers) = try parser.consume(Array(line.utf8)) {
                    head = (status, headers)
                }
            }
            return .success(head)
        } catch {
            return .failure(error)
        }
    }

    func status(_ line: String) -> Int? {
        guard case .success(let head) = self.parse([line, "\r\n"]) else { return nil }
        return head?.0
    }

    @Test func validStatusLines() {
        #expect(self.status("HTTP/1.1 200 OK\r\n") == 200)
        #expect(self.status("HTTP/1.0 404 Not Found\r\n") == 404)
        #expect(self.status("HTTP/2 503 \r\n") == 503)
        #expect(self.status("HTTP/1.1 599\r\n") == 599)
        #expect(self.status("HTTP/1.1 204 No Content\n") == 204)
    }

    @Test(arguments: [
        "HTTP/2 1000 X\r\n", "HTTP/1.1 600 Too High\r\n", "HTTP/1.1 099 Low\r\n", "HTTP/1.1 99 Low\r\n",
        "HTTP/1.1 abc OK\r\n", "HTTP/1.1\r\n", "HTTP/1.1 \r\n", "HTTP/ 200 OK\r\n", "HTTP/x.y 200 OK\r\n",
        "HTTP/1.1 20 0\r\n", "HTTP/1.1 -20 X\r\n", "HTTP/1.1 +20 X\r\n", "HTTP/1.1 9223372036854775808 X\r\n",
    ])
    func invalidStatusLinesAreRefused(_ line: String) {
        guard case .failure(let error) = self.parse([line, "\r\n"]) else {
            Issue.record("accepted \(line.debugDescription)")
            return
        }
        #expect(error.kind == .invalidResponse)
    }

    @Test func aHeadWithoutStatusLineIsRefused() {
        guard case .failure(let error) = self.parse(["Content-Type: text/plain\r\n", "\r\n"]) else {
            Issue.record("accepted a head without status line")
            return
        }
        #expect(error.kind == .invalidResponse)
        guard case .failure = self.parse(["\r\n"]) else {
            Issue.record("accepted an empty head")
            return
        }
    }

    @Test func headersAreTrimmedAndKeptInOrder() throws {
        let head = try #require(
            try self.parse(["HTTP/1.1 200 OK\r\n", "X-A:  one \r\n", "x-b:two\r\n", "X-A: three\r\n", "\r\n"]).get())
        #expect(head.0 == 200)
        #expect(head.1[values: HTTPField.Name("X-A")!] == ["one", "three"])
        #expect(head.1[HTTPField.Name("X-B")!] == "two")
    }

    @Test func commonNamesKeepTheirSpellingWhateverTheCase() throws {
        // The usual spellings take the prebuilt names, others the general path: same fields.
        let head = try #require(
            try self.parse([
                "HTTP/1.1 200 OK\r\n", "Content-Type: a/b\r\n", "content-length: 2\r\n", "CONNECTION: close\r\n",
                "Server: s\r\n", "ETag: \"x\"\r\n", "Content-Typo: no\r\n", "\r\n",
            ]).get())
        #expect(
            head.1.map(\.name.rawName) == [
                "Content-Type", "content-length", "CONNECTION", "Server", "ETag", "Content-Typo",
            ])
        #expect(head.1[.contentType] == "a/b" && head.1[.contentLength] == "2" && head.1[.connection] == "close")
        #expect(head.1[.eTag] == "\"x\"" && head.1[HTTPField.Name("content-typo")!] == "no")
    }

    @Test func valuesWithControlBytesAndFoldedLinesAreDropped() throws {
        let lines = [
            "HTTP/1.1 200 OK\r\n", "X-Nul: a\u{0}b\r\n", "X-Cr: a\rb\r\n", "X-Bell: a\u{7}b\r\n", "X-Del: a\u{7F}\r\n",
            "X-Tab: a\tb\r\n", " folded continuation\r\n", "Bad Name: x\r\n", "no colon at all\r\n", "X-Ok: fine\r\n",
            "\r\n",
        ]
        let head = try #require(try self.parse(lines).get())
        #expect(head.1.map(\.name.canonicalName) == ["x-tab", "x-ok"])
        #expect(head.1[HTTPField.Name("X-Tab")!] == "a\tb")
    }

    @Test func interimHeadsAreSkipped() throws {
        let lines = [
            "HTTP/1.1 100 Continue\r\n", "X-Interim: 1\r\n", "\r\n", "HTTP/1.1 201 Created\r\n", "X-Final: 1\r\n",
            "\r\n",
        ]
        let head = try #require(try self.parse(lines).get())
        #expect(head.0 == 201)
        #expect(head.1.map(\.name.canonicalName) == ["x-final"])
        // Only interim heads: no answer at all.
        #expect(try self.parse(["HTTP/1.1 103 Early Hints\r\n", "\r\n"]).get() == nil)
    }

    @Test func aSecondStatusLineInsideAHeadIsRefused() {
        guard case .failure = self.parse(["HTTP/1.1 200 OK\r\n", "HTTP/1.1 500 Oops\r\n", "\r\n"]) else {
            Issue.record("accepted two status lines in one head")
            return
        }
    }

    @Test func headerCountIsCapped() throws {
        let limits = ResponseHeadParser.Limits(maxHeaders: 3, maxHeaderBytes: 1 << 20)
        let three = ["HTTP/1.1 200 OK\r\n"] + (0..<3).map { "X-\($0): v\r\n" } + ["\r\n"]
        #expect(try self.parse(three, limits: limits).get()?.1.count == 3)
        let four = ["HTTP/1.1 200 OK\r\n"] + (0..<4).map { "X-\($0): v\r\n" } + ["\r\n"]
        guard case .failure(let error) = self.parse(four, limits: limits) else {
            Issue.record("accepted four headers with max_response_headers 3")
            return
        }
        #expect(error.message.contains("max_response_headers"))
    }

    @Test func headBytesAreCappedOverAllLines() throws {
        let value = String(repeating: "v", count: 100)
        let lines = ["HTTP/1.1 200 OK\r\n"] + (0..<10).map { "X-\($0): \(value)\r\n" } + ["\r\n"]
        let total = lines.reduce(0) { $0 + $1.utf8.count }
        #expect(try self.parse(lines, limits: .init(maxHeaders: 100, maxHeaderBytes: total)).get()?.0 == 200)
        guard case .failure(let error) = self.parse(lines, limits: .init(maxHeaders: 100, maxHeaderBytes: total - 1))
        else {
            Issue.record("accepted a head one byte over max_response_header_bytes")
            return
        }
        #expect(error.message.contains("max_response_header_bytes"))
    }

    @Test func trailersAfterTheHeadAreIgnoredButCounted() throws {
        var parser = ResponseHeadParser(limits: .init(maxHeaders: 100, maxHeaderBytes: 64))
        _ = try parser.consume(Array("HTTP/1.1 200 OK\r\n".utf8))
        guard case .complete = try parser.consume(Array("\r\n".utf8)) else {
            Issue.record("the head did not complete")
            return
        }
        #expect(try parser.consume(Array("X-Trailer: 1\r\n".utf8)) == .pending)
        #expect(throws: TransportError.self) { try parser.consume(Array(repeating: UInt8(ascii: "a"), count: 64)) }
    }

    @Test func arbitraryBytesNeverTrap() {
        // A cheap stand-in for the fuzz target: every byte value, every short line.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            var parser = ResponseHeadParser(limits: .init(maxHeaders: 8, maxHeaderBytes: 512))
            for _ in 0..<6 {
                let prefix: [UInt8] = Bool.random(using: &generator) ? Array("HTTP/1.1 ".utf8) : []
                let line =
                    prefix
                    + (0..<Int.random(in: 0..<24, using: &generator)).map { _ in
                        UInt8.random(in: 0...255, using: &generator)
                    }
                _ = try? parser.consume(line)
            }
        }
    }
}
