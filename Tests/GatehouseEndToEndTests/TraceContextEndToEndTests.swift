import Foundation
import GatehouseCore
import GatehouseTestSupport
import Testing

/// W3C trace context through the real binary: kept, replaced, returned, logged, and carried on
/// every upstream call a request causes.
@Suite(.timeLimit(.minutes(5))) struct TraceContextEndToEndTests {
    static let trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let incoming = "00-\(trace)-00f067aa0ba902b7-01"

    /// `(trace id, parent id, flags)` of a well-formed `traceparent`.
    static func parts(_ header: String?) -> (String, String, String)? {
        guard let header, let match = header.wholeMatch(of: /00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})/) else {
            return nil
        }
        return (String(match.1), String(match.2), String(match.3))
    }

    @Test(arguments: ["logfmt", "json"]) func aWellFormedTraceIsKeptAMalformedOneReplaced(format: String) async throws {
        let h = try await Harness.start(server: "  log_format: \(format)")
        // Kept: the same trace id upstream and back, with the gateway's own span as the parent.
        var headers = h.auth
        headers["traceparent"] = Self.incoming
        headers["tracestate"] = "vendor=opaque"
        headers["X-Request-Id"] = "trace-kept"
        let kept = try await h.client.send(.get, h.url("/proxy/echo/kept"), headers: headers)
        #expect(kept.status == 200)
        let upstream = try #require(h.echo.recorder.all.last)
        let sent = try #require(Self.parts(upstream.header("traceparent")), "\(upstream.headers)")
        #expect(sent.0 == Self.trace)
        #expect(sent.1 != "00f067aa0ba902b7")
        #expect(sent.2 == "01")
        #expect(upstream.header("tracestate") == "vendor=opaque")
        let returned = try #require(Self.parts(kept.headers[.init("traceparent")!]))
        #expect(returned.0 == Self.trace)
        #expect(returned.1 != "00f067aa0ba902b7")

        // An operation's upstream call carries the caller's trace too.
        var operationHeaders = headers
        operationHeaders["Content-Type"] = "application/json"
        operationHeaders["X-Request-Id"] = "trace-operation"
        let operation = try await h.client.send(
            .post, h.url("/v1/echo/request"), headers: operationHeaders, body: Array(#"{"path":"/op"}"#.utf8))
        #expect(operation.status == 200, "\(operation.text)")
        let operationCall = try #require(h.echo.recorder.all.last)
        #expect(operationCall.path == "/op")
        let operationSent = try #require(Self.parts(operationCall.header("traceparent")), "\(operationCall.headers)")
        #expect(operationSent.0 == Self.trace && operationSent.1 != sent.1)
        #expect(operationCall.header("tracestate") == "vendor=opaque")
        #expect(Self.parts(operation.headers[.init("traceparent")!])?.0 == Self.trace)

        // Malformed (uppercase hex, an all-zero id, garbage): replaced, never forwarded; its tracestate dropped.
        for (index, bad) in [
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "ff-\(Self.trace)-00f067aa0ba902b7-01", "not a trace",
        ].enumerated() {
            var headers = h.auth
            headers["traceparent"] = bad
            headers["tracestate"] = "vendor=opaque"
            let answer = try await h.client.send(.get, h.url("/proxy/echo/bad\(index)"), headers: headers)
            #expect(answer.status == 200)
            let seen = try #require(h.echo.recorder.all.last)
            #expect(seen.path == "/bad\(index)")
            let replaced = try #require(Self.parts(seen.header("traceparent")), "\(seen.headers)")
            #expect(replaced.0 != Self.trace.uppercased() && replaced.0 != Self.trace && !bad.contains(replaced.0))
            #expect(seen.header("tracestate") == nil)
            #expect(Self.parts(answer.headers[.init("traceparent")!])?.0 == replaced.0)
        }
        // None: a new trace, returned.
        let fresh = try await h.client.send(.get, h.url("/proxy/echo/fresh"), headers: h.auth)
        let started = try #require(Self.parts(fresh.headers[.init("traceparent")!]))
        #expect(Self.parts(h.echo.recorder.all.last?.header("traceparent"))?.0 == started.0)

        // The access line names the trace.
        let deadline = ContinuousClock.now + .seconds(30)
        while !h.gateway.log.contains("trace-kept"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let line = try #require(h.gateway.log.split(separator: "\n").first { $0.contains("trace-kept") })
        #expect(line.contains(format == "json" ? #""trace_id":"\#(Self.trace)""# : "trace_id=\(Self.trace)"), "\(line)")
        await h.finish()
    }

    @Test func aTokenRefreshCausedByARequestCarriesItsTrace() async throws {
        let rig = try await CheckfrontEndToEndTests.Rig.start()
        try await rig.authorize()
        #expect(try await rig.call().status == 200)
        // The access token lapses; the next call renews it on its way.
        try await rig.control("/_sim/clock", #"{"advance_seconds": 14001}"#)
        var headers = rig.caller
        headers["traceparent"] = Self.incoming
        let answer = try await rig.client.send(
            .post, rig.url("/v1/cf/item.list"), headers: headers, body: Array("{}".utf8))
        #expect(answer.status == 200, "\(answer.text)")
        let stats = try await rig.stats()
        let traces = stats["token_traceparents"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(traces.count == 2, "\(stats)")
        let refresh = try #require(Self.parts(traces.last), "\(traces)")
        #expect(refresh.0 == Self.trace)
        #expect(Self.parts(answer.headers[.init("traceparent")!])?.0 == Self.trace)
        await rig.finish()
    }
}
