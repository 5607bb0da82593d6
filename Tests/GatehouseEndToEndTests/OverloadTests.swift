import Foundation
import GatehouseCore
import GatehouseEchoUpstream
import GatehouseTestSupport
import HTTPTypes
import Testing

/// Overload protection end to end, real gateway against the real echo upstream: rate limits per
/// caller and per connection (429 with `Retry-After` and `RateLimit-*`, nothing sent upstream),
/// bulkheads (503 when full, queue wait in the access line), the circuit breaker (open after
/// failures, fails at once, one probe closes it) and the inbound limits (oversized heads → 431,
/// dripped heads and surplus connections closed).
@Suite(.timeLimit(.minutes(3))) struct OverloadTests {
    /// A gateway with `tester` (key `key`) granted `connections`, whose YAML is `connectionsYAML`
    /// (ECHO stands for the echo upstream's base URL).
    struct Rig {
        let echo: EchoFixture
        let gateway: GatewayProcess
        let client = TestClient()
        let key: String
        let adminToken: String
        var auth: [String: String] { ["Authorization": "Bearer \(self.key)"] }
        var admin: [String: String] { ["Authorization": "Bearer \(self.adminToken)"] }

        static func start(clientExtra: String = "", connections: String, grants: [String], server: String = "")
            async throws -> Rig
        {
            let echo = try await EchoFixture.start()
            let (key, hash) = APIKey.generate()
            let adminToken = "admin-" + APIKey.generate().key.dropFirst(3)
            let config = """
                server:
                  host: 127.0.0.1
                  port: 0
                  shutdown_grace_seconds: 2
                \(server)
                admin: { token: env:ADMIN_TOKEN }
                clients:
                  tester:
                    key_sha256: "\(hash)"
                    connections: [\(grants.joined(separator: ", "))]
                \(clientExtra)
                connections:
                \(connections.replacingOccurrences(of: "ECHO", with: echo.baseURL))
                """
            do {
                let gateway = try await GatewayProcess.start(config: config, environment: ["ADMIN_TOKEN": adminToken])
                return Rig(echo: echo, gateway: gateway, key: key, adminToken: adminToken)
            } catch {
                echo.stop()
                throw error
            }
        }

        func url(_ path: String) -> String { self.gateway.baseURL + path }

        func finish() async {
            await self.gateway.stop()
            self.echo.stop()
            self.client.shutdown()
            #expect(!self.gateway.log.contains(self.key), "the caller's key leaked into the log")
        }

        /// The `/metrics` text.
        func metrics() async throws -> String { try await self.client.send(.get, self.url("/metrics")).text }

        /// `GET /admin/v1/connections/{name}` as a tree.
        func connectionStatus(_ name: String) async throws -> Value {
            try await self.client.send(
                .get, self.gateway.adminURL + "/admin/v1/connections/\(name)", headers: self.admin
            ).json["data"] ?? .null
        }
    }

    /// Runs `body` with a rig, stopping it on every path.
    static func with(
        clientExtra: String = "", connections: String, grants: [String], server: String = "",
        _ body: (Rig) async throws -> Void
    ) async throws {
        let rig = try await Rig.start(
            clientExtra: clientExtra, connections: connections, grants: grants, server: server)
        do {
            try await body(rig)
        } catch {
            await rig.finish()
            throw error
        }
        await rig.finish()
    }

    static let echoConnection = """
          echo:
            adapter: http
            base_url: ECHO
        """

    // MARK: Rate limits

    @Test func aCallerOverItsRateLimitGets429AndNothingGoesUpstream() async throws {
        try await Self.with(
            clientExtra: "    rate_limit: { requests_per_second: 0.01, burst: 2 }", connections: Self.echoConnection,
            grants: ["echo"]
        ) { rig in
            let first = try await rig.client.send(.get, rig.url("/proxy/echo/one"), headers: rig.auth)
            #expect(first.status == 200)
            #expect(first.headers[HTTPField.Name("RateLimit-Limit")!] == "2")
            #expect(first.headers[HTTPField.Name("RateLimit-Remaining")!] == "1")
            let second = try await rig.client.send(.get, rig.url("/proxy/echo/two"), headers: rig.auth)
            #expect(second.status == 200)
            #expect(second.headers[HTTPField.Name("RateLimit-Remaining")!] == "0")
            let third = try await rig.client.send(
                .post, rig.url("/proxy/echo/three"), headers: rig.auth, body: Array("x".utf8))
            #expect(third.status == 429)
            #expect(third.errorCode == "rate_limited")
            #expect(third.json["error"]?["request_id"]?.stringValue != nil)
            let retryAfter = third.headers[.retryAfter].flatMap { Int($0) }
            #expect(
                retryAfter.map { $0 >= 1 && $0 <= 100 } == true,
                "Retry-After: \(String(describing: third.headers[.retryAfter]))")
            #expect(third.headers[HTTPField.Name("RateLimit-Limit")!] == "2")
            #expect(third.headers[HTTPField.Name("RateLimit-Remaining")!] == "0")
            #expect(third.headers[HTTPField.Name("RateLimit-Reset")!].flatMap { Int($0) } != nil)
            // Operations are limited by the same bucket.
            let operation = try await rig.client.send(
                .post, rig.url("/v1/echo/request"), headers: rig.auth, body: Array("{}".utf8))
            #expect(operation.status == 429)
            #expect(rig.echo.recorder.all.map(\.path) == ["/one", "/two"], "a refused request reached the upstream")
            #expect(try await rig.metrics().contains(#"gatehouse_rate_limited_total{client="tester"} 2"#))
        }
    }

    @Test func aConnectionRateLimitProtectsTheUpstreamFromEveryCaller() async throws {
        let connections = """
              echo:
                adapter: http
                base_url: ECHO
                rate_limit: { requests_per_second: 0.01, burst: 1 }
              free:
                adapter: http
                base_url: ECHO
            """
        try await Self.with(connections: connections, grants: ["echo", "free"]) { rig in
            #expect(try await rig.client.send(.get, rig.url("/proxy/echo/a"), headers: rig.auth).status == 200)
            let refused = try await rig.client.send(.get, rig.url("/proxy/echo/b"), headers: rig.auth)
            #expect(refused.status == 429)
            #expect(refused.json["error"]?["connection"]?.stringValue == "echo")
            // Another connection to the same upstream has its own (absent) limit.
            let other = try await rig.client.send(.get, rig.url("/proxy/free/c"), headers: rig.auth)
            #expect(other.status == 200)
            #expect(other.headers[HTTPField.Name("RateLimit-Limit")!] == nil)
            #expect(rig.echo.recorder.all.map(\.path) == ["/a", "/c"])
            #expect(try await rig.metrics().contains(#"gatehouse_rate_limited_total{connection="echo"} 1"#))
        }
    }

    // MARK: Refusals answered on the event loop

    /// The echo connection with a limit of one request (then one per 100 s).
    static let limitedEcho = """
          echo:
            adapter: http
            base_url: ECHO
            rate_limit: { requests_per_second: 0.01, burst: 1 }
        """

    /// A refusal decided from the head alone is answered before Hummingbird sees the request
    /// (``EarlyAnswerHandler``); the caller must not be able to tell: the same statuses,
    /// headers, body, access line and metrics as the refusal the usual path gives, the
    /// connection kept alive and subject to the idle timeout like any other.
    @Test func aRefusalAnsweredEarlyLooksAndIsLoggedExactlyAsTheUsualOne() async throws {
        try await Self.with(connections: Self.limitedEcho, grants: ["echo"], server: "  idle_timeout_seconds: 3") {
            rig in
            #expect(try await rig.client.send(.get, rig.url("/proxy/echo/a"), headers: rig.auth).status == 200)
            // The usual path: a request with a body is never answered early.
            let usual = try await rig.client.send(
                .post, rig.url("/proxy/echo/b"), headers: rig.auth, body: Array("x".utf8))
            #expect(usual.status == 429)
            // A raw keep-alive connection sends refused requests for longer than the idle
            // timeout: each is answered, and the connection stays open while it is in use.
            let raw = try RawConnection(port: rig.gateway.port)
            defer { raw.close() }
            let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
            var answers: [String] = []
            let began = ContinuousClock.now
            var round = 0
            var previous = ContinuousClock.now
            while round < 8 || ContinuousClock.now - began < .milliseconds(4500) {
                try raw.send(
                    """
                    GET /proxy/echo/c?n=\(round) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(rig.key)\r\n\
                    X-Request-Id: early-\(round)\r\ntraceparent: 00-\(traceID)-00f067aa0ba902b7-01\r\n\r\n
                    """)
                let read = raw.readAnswers(1, seconds: 30)
                if read.closed {
                    // Only a connection in use counts: a machine stalled for the idle timeout
                    // between two requests may close it rightly.
                    let gap = ContinuousClock.now - previous
                    #expect(
                        gap > .milliseconds(1500), "closed while in use (round \(round), \(gap) after the last answer)")
                    return
                }
                answers += read.answers
                previous = ContinuousClock.now
                round += 1
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(answers.count == round)
            let last = "early-\(round - 1)"
            guard let early = answers.last.map(Self.parse) else { return }
            #expect(early.status == 429)
            #expect(early.body["error"]?["code"]?.stringValue == "rate_limited")
            #expect(early.body["error"]?["request_id"]?.stringValue == last)
            #expect(early.body["error"]?["connection"]?.stringValue == "echo")
            #expect(early.headers["x-request-id"] == last)
            #expect(early.headers["traceparent"]?.hasPrefix("00-\(traceID)-") == true)
            #expect(early.headers["server"] == "gatehouse")
            // The same header names as the usual refusal, and the same body members.
            let usualNames = Set(usual.headers.map { $0.name.canonicalName })
            #expect(Set(early.headers.keys) == usualNames)
            #expect(
                early.body["error"]?.objectValue?.members.map(\.key)
                    == usual.json["error"]?.objectValue?.members.map(\.key))
            // The same message but for the seconds to wait.
            func words(_ message: String?) -> String? { message.map { String($0.filter { !$0.isNumber }) } }
            #expect(
                words(early.body["error"]?["message"]?.stringValue)
                    == words(usual.json["error"]?["message"]?.stringValue))
            // Idle: the timeout applies as before.
            #expect(raw.readUntilClosed(seconds: 30).closed, "an idle connection was kept past idle_timeout_seconds")
            #expect(rig.echo.recorder.all.map(\.path) == ["/a"], "a refused request reached the upstream")
            #expect(try await rig.metrics().contains("gatehouse_rate_limited_total{connection=\"echo\"} \(round + 1)"))
            let line = rig.gateway.log.split(separator: "\n").map(String.init).first {
                $0.containsBytes("request_id=\(last) ")
            }
            #expect(line.map { Self.field("status", in: $0) } == "429")
            #expect(line.map { Self.field("client", in: $0) } == "tester")
            #expect(line.map { Self.field("connection", in: $0) } == "echo")
            #expect(line.map { Self.field("route", in: $0) } == "proxy")
            #expect(line.map { Self.field("error", in: $0) } == "rate_limited")
            #expect(line.map { Self.field("trace_id", in: $0) } == traceID)
        }
    }

    /// A connection's refusal still costs the caller a token of its own limit, as it always did
    /// (`Gateway.admit` takes the caller's token first), also now that refusals may be answered
    /// early: the caller's limit runs out after three requests, whichever limit refused them.
    @Test func aCallerWithItsOwnLimitPaysForTheConnectionsRefusalsAsBefore() async throws {
        try await Self.with(
            clientExtra: "    rate_limit: { requests_per_second: 0.01, burst: 3 }", connections: Self.limitedEcho,
            grants: ["echo"]
        ) { rig in
            var scopes: [String] = []
            for round in 0..<4 {
                let answer = try await rig.client.send(.get, rig.url("/proxy/echo/\(round)"), headers: rig.auth)
                let message = answer.json["error"]?["message"]?.stringValue ?? ""
                scopes.append(
                    answer.status == 200
                        ? "admitted" : message.containsBytes("client \"tester\"") ? "client" : "connection")
            }
            #expect(scopes == ["admitted", "connection", "connection", "client"])
            let metrics = try await rig.metrics()
            #expect(metrics.contains(#"gatehouse_rate_limited_total{connection="echo"} 2"#))
            #expect(metrics.contains(#"gatehouse_rate_limited_total{client="tester"} 1"#))
        }
    }

    /// A caller that pipelines gets its answers in the order it asked, also when a later
    /// request is refused from its head while an earlier one is still with the upstream.
    @Test func aPipelinedRefusalIsAnsweredAfterTheRequestBeforeIt() async throws {
        try await Self.with(connections: Self.limitedEcho, grants: ["echo"]) { rig in
            let raw = try RawConnection(port: rig.gateway.port)
            defer { raw.close() }
            let head = "HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(rig.key)\r\n\r\n"
            // The second request is sent once the first has taken the token (it is with the
            // upstream for a second), so the second is refused from its head.
            try raw.send("GET /proxy/echo/stall?ms=1500 \(head)")
            try await Self.waitUntil { rig.echo.recorder.all.count == 1 }
            try raw.send("GET /proxy/echo/later \(head)")
            let read = raw.readAnswers(2, seconds: 60)
            #expect(read.answers.count == 2)
            #expect(read.answers.map { Self.parse($0).status } == [200, 429])
            #expect(read.answers.first.map { Self.parse($0).body["stalled_ms"]?.intValue } == 1500)
            #expect(rig.echo.recorder.all.map(\.path) == ["/stall"])
        }
    }

    /// A refused HEAD has no body, so the next answer on the connection follows its head at once.
    @Test func aRefusedHEADHasNoBodyAndTheNextAnswerFollowsIt() async throws {
        try await Self.with(connections: Self.limitedEcho, grants: ["echo"]) { rig in
            #expect(try await rig.client.send(.get, rig.url("/proxy/echo/a"), headers: rig.auth).status == 200)
            let raw = try RawConnection(port: rig.gateway.port)
            defer { raw.close() }
            let head = "HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(rig.key)\r\n\r\n"
            try raw.send("HEAD /proxy/echo/h \(head)GET /proxy/echo/g \(head)")
            // One read window: the HEAD answer's head, then the GET answer whole.
            let read = raw.readAnswers(1, seconds: 30)
            let text = read.answers.first ?? ""
            let parts = text.components(separatedBy: "\r\n\r\n")
            #expect(parts.count >= 2 && parts[1].hasPrefix("HTTP/1.1 429"), "after the HEAD answer: \(text)")
            #expect(text.hasPrefix("HTTP/1.1 429"))
        }
    }

    /// An answer read off a raw connection: status, headers (lowercased names), JSON body.
    static func parse(_ answer: String) -> (status: Int, headers: [String: String], body: Value) {
        let parts = answer.components(separatedBy: "\r\n\r\n")
        let lines = parts[0].components(separatedBy: "\r\n")
        let status = lines.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        let body = (try? JSON.parse(Array(parts.dropFirst().joined(separator: "\r\n\r\n").utf8))) ?? .null
        return (status, headers, body)
    }

    // MARK: Bulkheads

    @Test func aFullBulkheadRefusesAtOnceWith503AndRetryAfter() async throws {
        let connections = """
              slow:
                adapter: http
                base_url: ECHO
                max_in_flight: 1
                max_queue: 0
            """
        try await Self.with(connections: connections, grants: ["slow"]) { rig in
            let held = Task { try await rig.client.send(.get, rig.url("/proxy/slow/stall?ms=4000"), headers: rig.auth) }
            try await Self.waitUntil { rig.echo.recorder.all.count == 1 }
            let refused = try await rig.client.send(.get, rig.url("/proxy/slow/second"), headers: rig.auth)
            #expect(refused.status == 503)
            #expect(refused.errorCode == "unavailable")
            #expect(refused.headers[.retryAfter] == "1")
            let status = try await rig.connectionStatus("slow")
            #expect(status["bulkhead"]?["in_flight"] == .int(1))
            #expect(status["bulkhead"]?["max_in_flight"] == .int(1))
            #expect(try await held.value.status == 200)
            // The slot is back: the next call goes through.
            #expect(try await rig.client.send(.get, rig.url("/proxy/slow/third"), headers: rig.auth).status == 200)
            #expect(rig.echo.recorder.all.map(\.path) == ["/stall", "/third"])
        }
    }

    @Test func aQueuedCallerWaitsForTheSlotAndItsWaitIsLoggedApart() async throws {
        let connections = """
              slow:
                adapter: http
                base_url: ECHO
                max_in_flight: 1
                max_queue: 5
                queue_timeout_ms: 60000
              tight:
                adapter: http
                base_url: ECHO
                max_in_flight: 1
                queue_timeout_ms: 200
            """
        try await Self.with(connections: connections, grants: ["slow", "tight"]) { rig in
            let held = Task { try await rig.client.send(.get, rig.url("/proxy/slow/stall?ms=1500"), headers: rig.auth) }
            try await Self.waitUntil { rig.echo.recorder.all.count == 1 }
            let queued = try await rig.client.send(
                .get, rig.url("/proxy/slow/queued"),
                headers: rig.auth.merging(["X-Request-Id": "queued-one"]) { a, _ in a })
            #expect(queued.status == 200)
            #expect(try await held.value.status == 200)
            // The log is written in batches: wait for the line.
            try await Self.waitUntil { rig.gateway.log.contains("request_id=queued-one") }
            let line = try #require(
                rig.gateway.log.split(separator: "\n").first { $0.contains("request_id=queued-one") })
            let queueMs = try #require(Self.field("queue_ms", in: String(line)).flatMap(Double.init))
            #expect(queueMs > 0, "the queued request's wait is not in its access line: \(line)")
            #expect(Self.field("upstream_ms", in: String(line)) != nil)
            #expect(try await rig.metrics().contains("gatehouse_queue_wait_seconds"))

            // A queue timeout is a 503 too.
            let tightHeld = Task {
                try await rig.client.send(.get, rig.url("/proxy/tight/stall?ms=3000"), headers: rig.auth)
            }
            try await Self.waitUntil { rig.echo.recorder.all.count == 3 }
            let late = try await rig.client.send(.get, rig.url("/proxy/tight/late"), headers: rig.auth)
            #expect(late.status == 503)
            #expect(late.headers[.retryAfter] == "1")
            #expect(try await tightHeld.value.status == 200)
        }
    }

    // MARK: Circuit breaker

    @Test func repeatedUpstreamFailuresOpenTheCircuitAndAProbeClosesIt() async throws {
        let connections = """
              flaky:
                adapter: http
                base_url: ECHO
                circuit_breaker: { failures: 3, window_seconds: 600, open_seconds: 15 }
            """
        try await Self.with(connections: connections, grants: ["flaky"]) { rig in
            for _ in 0..<3 {
                #expect(
                    try await rig.client.send(.get, rig.url("/proxy/flaky/status/503"), headers: rig.auth).status == 503
                )
            }
            let open = try await rig.client.send(.get, rig.url("/proxy/flaky/status/200"), headers: rig.auth)
            #expect(open.status == 503)
            #expect(open.errorCode == "unavailable")
            #expect(open.headers[.retryAfter].flatMap { Int($0) }.map { (1...15).contains($0) } == true)
            #expect(rig.echo.recorder.all.count == 3, "an open circuit sent a call upstream")
            #expect(try await rig.connectionStatus("flaky")["circuit"] == .string("open"))
            #expect(try await rig.metrics().contains(#"gatehouse_circuit_state{connection="flaky"} 1"#))
            // After open_seconds (long enough that the checks above see it open on a loaded
            // machine) one probe goes through; its success closes the circuit.
            try await Self.waitUntil { try await rig.connectionStatus("flaky")["circuit"] == .string("half_open") }
            #expect(
                try await rig.client.send(.get, rig.url("/proxy/flaky/status/200"), headers: rig.auth).status == 200)
            #expect(try await rig.connectionStatus("flaky")["circuit"] == .string("closed"))
            #expect(
                try await rig.client.send(.get, rig.url("/proxy/flaky/status/204"), headers: rig.auth).status == 204)
            #expect(try await rig.metrics().contains(#"gatehouse_circuit_state{connection="flaky"} 0"#))
        }
    }

    @Test func anUnreachableUpstreamOpensTheCircuitToo() async throws {
        let connections = """
              dead:
                adapter: http
                base_url: http://127.0.0.1:\(try Self.closedPort())
                circuit_breaker: { failures: 2, window_seconds: 60, open_seconds: 600 }
            """
        try await Self.with(connections: connections, grants: ["dead"]) { rig in
            for _ in 0..<2 {
                #expect(
                    try await rig.client.send(.get, rig.url("/proxy/dead/x"), headers: rig.auth).errorCode
                        == "upstream_unreachable")
            }
            let open = try await rig.client.send(.get, rig.url("/proxy/dead/x"), headers: rig.auth)
            #expect(open.status == 503)
            #expect(open.headers[.retryAfter].flatMap { Int($0) }.map { $0 > 500 } == true)
        }
    }

    // MARK: Upstream back-off

    /// An OKIT validation answered 503 with `Retry-After`: no further validation goes out before
    /// it (callers get 503 `unavailable` with the time left), whatever token they bring.
    @Test func anUpstreamRetryAfterOnACredentialCallHoldsTheNextOneBack() async throws {
        let okit = try HostileUpstream.start { _ in
            .init([
                .send(
                    """
                    HTTP/1.1 503 Service Unavailable\r\nRetry-After: 120\r\nContent-Length: 0\r\nConnection: \
                    close\r\n\r\n
                    """
                )
            ])
        }
        defer { okit.stop() }
        let connections = """
              okit:
                adapter: okit
                base_url: \(okit.baseURL)/OKIT.Operator.Api
                options: { application_prefix: SMSAPP }
              echo:
                adapter: http
                base_url: ECHO
            """
        let callers = """
              sms-callers:
                authenticator: okit
                okit_connection: okit
                client_prefixes: [Acme]
                connections: [echo]
            """
        try await Self.with(clientExtra: callers, connections: connections, grants: ["echo"]) { rig in
            let first = try await rig.client.send(
                .get, rig.url("/proxy/echo/x"),
                headers: ["Authorization": "Bearer token-one", "X-Client-Prefix": "Acme"])
            #expect(first.status == 503)
            #expect(okit.seenPaths.count == 1)
            let second = try await rig.client.send(
                .get, rig.url("/proxy/echo/x"),
                headers: ["Authorization": "Bearer token-two", "X-Client-Prefix": "Acme"])
            #expect(second.status == 503)
            #expect(okit.seenPaths.count == 1, "a validation went out before the upstream's Retry-After")
            #expect(rig.echo.recorder.all.isEmpty)
        }
    }

    // MARK: Inbound limits

    @Test func anOversizedRequestHeadGets431AndTheGatewayKeepsServing() async throws {
        try await Self.with(
            connections: Self.echoConnection, grants: ["echo"], server: "  max_request_head_bytes: 2048"
        ) { rig in
            let big = try await rig.client.send(
                .get, rig.url("/proxy/echo/x"),
                headers: rig.auth.merging(["X-Padding": String(repeating: "p", count: 4096)]) { a, _ in a })
            #expect(big.status == 431)
            #expect(big.errorCode == "header_too_large")
            #expect(rig.echo.recorder.all.isEmpty)
            #expect(try await rig.client.send(.get, rig.url("/proxy/echo/y"), headers: rig.auth).status == 200)
        }
    }

    @Test func aDrippedHeadIsClosedAfterTheHeadTimeoutWhileIdleKeepAliveIsNot() async throws {
        try await Self.with(
            connections: Self.echoConnection, grants: ["echo"], server: "  request_head_timeout_seconds: 1"
        ) { rig in
            let port = rig.gateway.port
            // A head that never ends: closed by the gateway.
            let dripper = try RawConnection(port: port)
            defer { dripper.close() }
            try dripper.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            #expect(dripper.readUntilClosed(seconds: 30).closed, "a dripped head was not cut")
            // A connection that sends nothing yet is idle, not slow: a head sent after the head
            // timeout is still answered.
            let quiet = try RawConnection(port: port)
            defer { quiet.close() }
            try await Task.sleep(for: .milliseconds(1500))
            try quiet.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(quiet.readUntilClosed(seconds: 3).text.hasPrefix("HTTP/1.1 200"))
        }
    }

    @Test func connectionsBeyondMaxConnectionsAreClosedAtOnce() async throws {
        try await Self.with(connections: Self.echoConnection, grants: ["echo"], server: "  max_connections: 2") { rig in
            let port = rig.gateway.port
            let first = try RawConnection(port: port)
            defer { first.close() }
            let second = try RawConnection(port: port)
            defer { second.close() }
            // Both are served.
            for connection in [first, second] {
                try connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(connection.readUntilClosed(seconds: 3).text.hasPrefix("HTTP/1.1 200"))
            }
            let third = try RawConnection(port: port)
            defer { third.close() }
            let answer = third.readUntilClosed(seconds: 30)
            #expect(answer.closed && answer.text.isEmpty, "a connection over max_connections was kept")
            // A place freed is a place for the next caller.
            first.close()
            try await Self.waitUntil {
                let next = try RawConnection(port: port)
                defer { next.close() }
                try? next.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                return next.readUntilClosed(seconds: 3).text.hasPrefix("HTTP/1.1 200")
            }
        }
    }

    @Test func theListenSocketHasTheConfiguredBacklog() async throws {
        try await Self.with(connections: Self.echoConnection, grants: ["echo"], server: "  listen_backlog: 77") { rig in
            // For a listening socket, ss's Send-Q column is the backlog the kernel applies.
            let (status, output) = try await TLSCertificates.run("/bin/ss", ["-Hltn", "sport = :\(rig.gateway.port)"])
            #expect(status == 0)
            let columns = output.split(whereSeparator: \.isWhitespace)
            #expect(columns.count >= 3 && columns[2] == "77", "ss -ltn: \(output)")
        }
    }

    // MARK: Helpers

    /// Polls `condition` until it holds (generous deadline for a loaded machine).
    static func waitUntil(_ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("condition not met within 60 s")
        throw CancellationError()
    }

    /// The value of logfmt field `name` in `line`.
    static func field(_ name: String, in line: String) -> String? {
        guard let range = line.range(of: " \(name)=") else { return nil }
        return String(line[range.upperBound...].prefix { $0 != " " })
    }

    /// A loopback port nothing listens on.
    static func closedPort() throws -> Int {
        let connection = try RawConnection.listener()
        defer { Glibc.close(connection.fd) }
        return connection.port
    }
}
