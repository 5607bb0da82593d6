import Foundation
import GatehouseCore
import GatehouseTestSupport
import Testing

@Suite(.timeLimit(.minutes(3))) struct ObservabilityTests {
    @Test func accessLineMetricsAndRequestIDs() async throws {
        let h = try await Harness.start()
        let ok = try await h.client.send(.get, h.url("/proxy/echo/x"), headers: h.auth)
        let generated = try #require(ok.headers[.init("X-Request-Id")!])
        #expect(generated.count == 16)
        // The upstream sees the same id, so one request can be followed across systems.
        #expect(h.echo.recorder.all.last?.header("X-Request-Id") == generated)
        let malformed = try await h.client.send(
            .get, h.url("/proxy/echo/x"), headers: h.auth.merging(["X-Request-Id": "bad id!"]) { a, _ in a })
        #expect(malformed.headers[.init("X-Request-Id")!] != "bad id!")
        _ = try await h.client.send(.get, h.url("/proxy/echo/x"))
        _ = try await h.client.send(.get, h.url("/proxy/down-for-metrics/x"), headers: h.auth)

        let metrics = try await h.client.send(.get, h.url("/metrics"))
        #expect(metrics.status == 200)
        #expect(metrics.text.contains(#"gatehouse_requests_total{connection="echo",route="proxy",status="200"} 2"#))
        #expect(metrics.text.contains(#"gatehouse_requests_total{connection="echo",route="proxy",status="401"} 1"#))
        #expect(metrics.text.contains("gatehouse_request_duration_seconds_bucket"))
        #expect(metrics.text.contains("gatehouse_requests_in_flight"))

        try await Task.sleep(for: .milliseconds(200))
        let lines = h.gateway.log.split(separator: "\n").filter { $0.contains("msg=access") }
        let line = try #require(lines.first { $0.contains("request_id=\(generated)") })
        #expect(line.contains("client=tester"))
        #expect(line.contains("connection=echo"))
        #expect(line.contains("method=GET"))
        #expect(line.contains("status=200"))
        #expect(line.contains("upstream_status=200"))
        #expect(line.contains("duration_ms="))
        #expect(!h.gateway.log.contains("Bearer"))
        // The whole line, keys in sorted order: the byte-built access line is exactly the
        // logfmt handler's format.
        let stamp = #"ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=info logger=\S+ msg=access "#
        let okLine = try Regex(
            stamp
                + #"""
                client=tester connection=echo duration_ms=\d+\.\d{3} method=GET queue_ms=\d+\.\d{3} \#
                request_id=\#(generated) route=proxy status=200 trace_id=[0-9a-f]{32} upstream_ms=\d+\.\d{3} \#
                upstream_status=200
                """#
        )
        #expect(String(line).wholeMatch(of: okLine) != nil, "\(line)")
        let rejected = try Regex(
            stamp
                + #"""
                client=- connection=echo duration_ms=\d+\.\d{3} error=unauthenticated method=GET \#
                queue_ms=\d+\.\d{3} request_id=[0-9a-f]{16} route=proxy status=401 trace_id=[0-9a-f]{32} \#
                upstream_ms=\d+\.\d{3} upstream_status=-
                """#
        )
        #expect(lines.contains { String($0).wholeMatch(of: rejected) != nil }, "\(lines)")
        await h.finish()
    }

    @Test func upstreamErrorsAreCountedByKind() async throws {
        let h = try await Harness.start(
            extraConnections: "  down:\n    adapter: http\n    base_url: http://127.0.0.1:1\n",
            grants: ["echo", "down"]
        )
        _ = try await h.client.send(.get, h.url("/proxy/down/x"), headers: h.auth)
        let metrics = try await h.client.send(.get, h.url("/metrics"))
        #expect(
            metrics.text.contains(#"gatehouse_upstream_errors_total{connection="down",kind="upstream_unreachable"} 1"#))
        await h.finish()
    }

    @Test func healthAndReadiness() async throws {
        let h = try await Harness.start()
        let health = try await h.client.send(.get, h.url("/healthz"))
        #expect(health.status == 200)
        let ready = try await h.client.send(.get, h.url("/readyz"))
        #expect(ready.status == 200)
        #expect(ready.json["status"] == "ready")
        await h.finish()
    }
}

@Suite(.timeLimit(.minutes(2))) struct DebugLogTests {
    /// At `log_level: debug` swift-service-lifecycle logs every service it starts by its
    /// description; the gateway's must not drag the environment (and so credentials) along.
    @Test func debugLoggingKeepsCredentialsOut() async throws {
        let h = try await Harness.start(server: "  log_level: debug")
        #expect(try await h.client.send(.get, h.url("/proxy/echo/x"), headers: h.auth).status == 200)
        await h.gateway.stop()
        #expect(h.gateway.log.contains("level=debug"))
        await h.finish()
    }
}
