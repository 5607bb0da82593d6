import GatehouseCore
import GatehouseCrypto
import GatehouseCurl
import GatehouseK2Simulator
import GatehouseTestSupport
import Logging
import Synchronization
import Testing

@testable import GatehouseK2

/// A K2 connection on the real transport in front of the simulator in this process, so the
/// test can read an answer's body at its own pace and look at the connection's slot.
struct K2Rig {
    let k2: K2Fixture
    let adapter: K2Adapter
    let transport: CurlTransport
    /// The connection's bulkhead, built as the gateway builds it (K2's `max_concurrency`).
    let bulkhead: Bulkhead

    static func start(options: String = "{ auth: header, max_concurrency: 1, queue_timeout_ms: 120000 }") async throws
        -> K2Rig
    {
        let k2 = try await K2Fixture.start()
        var logger = Logger(label: "test.k2.adapter")
        logger.logLevel = .critical
        let transport = CurlTransport(logger: logger)
        do {
            let yaml = """
                connections:
                  k2:
                    adapter: k2
                    base_url: \(k2.baseURL)
                    credentials: { username: env:K2_USER, password: env:K2_PASSWORD }
                    options: \(options)
                    timeout_ms: 600000
                """
            let connection = try #require(
                try GatewayConfiguration.load(text: yaml, file: "test.yaml", adapterKinds: ["k2"]).connections.first)
            let upstreamGuard = UpstreamGuard(
                limits: connection.limits, defaults: try K2Adapter.kind.bulkheadDefaults(connection.options),
                connection: "k2")
            let client = UpstreamClient(
                connection: "k2", baseURL: connection.baseURL, transport: transport, options: connection.transport,
                followRedirects: false, maxResponseBytes: connection.maxResponseBytes, upstreamGuard: upstreamGuard)
            let secrets = EnvironmentSecretSource(environment: ["K2_USER": "AN1", "K2_PASSWORD": "ANPassword"])
            let setup = AdapterSetup(
                connection: connection, client: client,
                credentials: Credentials(
                    connection: "k2",
                    references: Dictionary(
                        uniqueKeysWithValues: connection.credentials.map { ($0.name, $0.reference) }), source: secrets),
                logger: logger)
            return K2Rig(
                k2: k2, adapter: try K2Adapter(setup: setup), transport: transport,
                bulkhead: try #require(upstreamGuard.bulkhead))
        } catch {
            transport.shutdown()
            k2.stop()
            throw error
        }
    }

    func stop() {
        self.transport.shutdown()
        self.k2.stop()
    }
}

@Suite(.timeLimit(.minutes(2))) struct K2OutsideInputTests {
    /// Cursors that climb out of the Data service once curl or IIS resolve their dot segments.
    static let climbingPaths = [
        "/Data/../Admin/Users", "/Data/Part/..", "/Data/%2e%2e/Admin", "/Data/%2E%2E/Admin", "/Data/%2E./Admin",
        "/Data/.%2e/Admin", "/Data/./Part", "/Data/%2e/Part", "/Data/Part%2f..%2fAdmin", "/Data/Part%5c..%5cAdmin",
        "/Data/Part\\..\\Admin",
    ]

    @Test func aCursorWithDotSegmentsIsRefusedAndNothingIsSent() async throws {
        let rig = try await K2Rig.start()
        defer { rig.stop() }
        for path in Self.climbingPaths {
            let cursor = Base64.urlEncode(Array((rig.k2.baseURL + path + "?pageSize=5").utf8))
            let refused = await #expect(throws: GatewayError.self, "\(path)") {
                try await rig.adapter.perform(OperationCall(name: "data.list", arguments: ["cursor": .string(cursor)]))
            }
            #expect(refused?.code == .badRequest, "\(path)")
        }
        #expect(rig.k2.state.requests.isEmpty)
        // A cursor the connection issued still works.
        let first = try await rig.adapter.perform(
            OperationCall(name: "data.list", arguments: ["class": "Part", "page_size": 5]))
        let next = try #require(first.nextCursor)
        let second = try await rig.adapter.perform(
            OperationCall(name: "data.list", arguments: ["cursor": .string(next)]))
        #expect(second.data.arrayValue?.count == 5)
    }

    /// A `NextPageURL` that climbs out of the Data service never becomes a cursor (which the
    /// same connection would then refuse as one it did not issue): 502, as for another origin.
    @Test func aPageURLWithDotSegmentsFromK2IsRefused() async throws {
        let rig = try await K2Rig.start()
        defer { rig.stop() }
        for path in Self.climbingPaths + ["/Meta/Part?page=2"] {
            let refused = #expect(throws: GatewayError.self, "\(path)") {
                try rig.adapter.checkedPageURL(rig.k2.baseURL + path)
            }
            #expect(refused?.code == .upstreamError, "\(path)")
        }
        let good = rig.k2.baseURL + "/Data/Part?page=next&pageState=0"
        #expect(try rig.adapter.checkedPageURL(good) == good)
    }

    @Test func hostilePageSizesAreRefusedAndNothingIsSent() async throws {
        let rig = try await K2Rig.start()
        defer { rig.stop() }
        let hostile: [Value] = [
            // -1 is K2's "pagination banned" and valid; -2 and 0 are not.
            .number("9223372036854775807"), .number("9223372036854775808"), .number("-2"), .number("0"), .number("1.5"),
            .number("1e3"), .string("abc"), .string("-9223372036854775808"), .string(""), .bool(true), .array([5]),
        ]
        for size in hostile {
            let refused = await #expect(throws: GatewayError.self, "\(size)") {
                try await rig.adapter.perform(
                    OperationCall(name: "data.list", arguments: ["class": "Part", "page_size": size]))
            }
            #expect(refused?.code == .badRequest, "\(size)")
            #expect(refused?.message.contains("page_size") == true, "\(size)")
        }
        #expect(rig.k2.state.requests.isEmpty)
    }

    /// With `max_concurrency: 1`, a second call waits while the first's streamed body is still
    /// being read, and runs once it has been read to the end.
    @Test func theSlotIsHeldUntilAStreamedBodyIsRead() async throws {
        let rig = try await K2Rig.start()
        defer { rig.stop() }
        var mode = rig.k2.state.mode
        mode.downloadRows = 200_000  // about 5 MB: far more than the transport buffers
        rig.k2.state.mode = mode
        for operation in ["formation.download", "proxy"] {
            let response: UpstreamResponse
            if operation == "proxy" {
                response = try await rig.adapter.proxy(
                    ProxyCall(
                        method: .get, path: "/Formation/download/Standard/TestDownload/pas", query: nil, headers: [:],
                        body: .empty))
            } else {
                let envelope = try await rig.adapter.perform(
                    OperationCall(
                        name: "formation.download", arguments: ["folder": "Standard", "name": "TestDownload"]))
                response = try #require(envelope.stream)
            }
            #expect(response.status == 200)
            var body = response.body.makeAsyncIterator()
            var read = try #require(try await body.next()).readableBytes
            let seen = rig.k2.state.requests.count

            let done = Mutex(false)
            let second = Task {
                defer { done.withLock { $0 = true } }
                return try await rig.adapter.perform(
                    OperationCall(name: "data.get", arguments: ["class": "Part", "keys": [1]]))
            }
            // It queues for the slot (polled; the deadline is generous, not a measurement).
            let deadline = ContinuousClock.now + .seconds(30)
            while rig.bulkhead.usage.waiting == 0, !done.withLock({ $0 }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(rig.bulkhead.usage.waiting == 1, "\(operation): the second call did not wait for the slot")
            #expect(
                rig.k2.state.requests.count == seen,
                "\(operation): the second call reached K2 while the first body was being read")

            while let chunk = try await body.next() { read += chunk.readableBytes }
            #expect(read > 5_000_000)
            let record = try await second.value
            #expect(record.data["keys"] == ["1"], "\(operation)")
            #expect(rig.bulkhead.usage.waiting == 0)
        }
        // And a cancelled body frees the slot too.
        let abandoned = try await rig.adapter.proxy(
            ProxyCall(
                method: .get, path: "/Formation/download/Standard/TestDownload/pas", query: nil, headers: [:],
                body: .empty))
        abandoned.body.cancel()
        let after = try await rig.adapter.perform(
            OperationCall(name: "data.get", arguments: ["class": "Part", "keys": [2]]))
        #expect(after.data["keys"] == ["2"])
    }

    /// Every integer option, with Int64.max, 2^63, -1, Int64.min, 1.5, 1e9 and text: `file:line: key: message`
    /// (page_size: -2 and 0 instead of -1).
    @Test(arguments: ["max_concurrency", "queue_limit", "queue_timeout_ms", "page_size", "get_list_threshold"])
    func everyIntegerOptionRefusesHostileNumbersWithFileAndLine(key: String) throws {
        // page_size takes -1 (K2's "pagination banned"): for it -2 and 0 are the small bad values.
        let small = key == "page_size" ? ["-2", "0"] : ["-1"]
        for value in ["9223372036854775807", "9223372036854775808", "-9223372036854775808", "1.5", "1e9", "abc"] + small
        {
            let yaml =
                """
                connections:\n  c:\n    adapter: k2\n    base_url: http://127.0.0.1:9\n    options:\n      \(key): \
                \(value)\n
                """
            let connection = try GatewayConfiguration.load(text: yaml, file: "gatehouse.yaml", adapterKinds: ["k2"])
                .connections[0]
            var options = try #require(connection.options).map()
            do {
                _ = try K2Adapter.Configuration(options: &options)
                Issue.record("\(key): \(value) was accepted")
            } catch {
                #expect(
                    error.description.hasPrefix("gatehouse.yaml:6: connections.c.options.\(key): "),
                    "\(key) = \(value): \(error)")
            }
        }
    }
}
