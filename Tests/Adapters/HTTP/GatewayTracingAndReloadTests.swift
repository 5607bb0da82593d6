import GatehouseCore
import GatehouseCurl
import GatehouseHTTP
import GatehouseTestSupport
import HTTPTypes
import InMemoryTracing
import Instrumentation
import Logging
import Testing
import Tracing

/// The core's spans and its config-reload rebuild, with the real HTTP adapter, the real curl
/// transport and a real echo upstream on loopback. A tracer cannot be injected into the gateway
/// binary, so the spans are checked here, in-process, with swift-distributed-tracing's in-memory tracer.
@Suite(.serialized) struct GatewayTracingAndReloadTests {
    /// Bootstrapped once per process (the tracing system allows one bootstrap).
    static let tracer: InMemoryTracer = {
        let tracer = InMemoryTracer()
        InstrumentationSystem.bootstrap(tracer)
        return tracer
    }()

    static func config(echo: String, key hash: String, crm: String = "", clientLimit: String = "") throws
        -> GatewayConfiguration
    {
        try GatewayConfiguration.load(
            text: """
                clients:
                  tester: { key_sha256: "\(hash)", connections: [crm, other]\(clientLimit) }
                connections:
                  crm:
                    adapter: http
                    base_url: \(echo)\(crm)
                  other:
                    adapter: http
                    base_url: \(echo)/other
                """, file: "t.yaml", adapterKinds: ["http"])
    }

    @Test func requestAuthenticateAdapterAndUpstreamSpansNestUnderTheRequest() async throws {
        let tracer = Self.tracer
        let echo = try await EchoFixture.start()
        var logger = Logger(label: "test.transport")
        logger.logLevel = .error
        let transport = CurlTransport(logger: logger)
        defer {
            transport.shutdown()
            echo.stop()
        }
        let (key, hash) = APIKey.generate()
        let gateway = try Gateway(
            configuration: try Self.config(echo: echo.baseURL, key: hash),
            registry: AdapterRegistry([HTTPAdapter.kind]), transport: transport,
            secrets: EnvironmentSecretSource(environment: [:]))
        let trace = TraceContext(
            traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracestate: "v=1")
        #expect(trace.continued && trace.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        // The caller is part of a trace the tracer knows: its propagation headers (the in-memory
        // tracer's own keys) come in beside traceparent.
        let callerTrace = "caller-trace-1"
        let callerSpan = "caller-span-1"
        let headers: HTTPFields = [
            .init(InMemoryTracer.traceIDKey)!: callerTrace, .init(InMemoryTracer.spanIDKey)!: callerSpan,
            .init("traceparent")!: trace.traceparent, .init("tracestate")!: "v=1",
        ]
        // As GatewayResponder runs a request: GatewaySpans.serve (trace context, request span), then the core.
        let hop = try await GatewaySpans.serve(trace, headers: headers) { hop in
            do {
                let principal = try await gateway.authenticate(InboundCredentials(authorization: "Bearer \(key)"))
                let runtime = try gateway.connection("crm", for: principal)
                let response = try await runtime.proxy(
                    ProxyCall(method: .get, path: "/traced", query: nil, headers: [:], body: .empty))
                #expect(response.status == 200)
                _ = try await response.collectBody(upTo: 1 << 20)
            }
            return hop
        }
        #expect(hop == trace, "the in-memory tracer injects no traceparent: the gateway's own hop stays")
        let spans = tracer.finishedSpans.filter {
            $0.attributes["gatehouse.trace_id"]?.toSpanAttribute() == .string(trace.traceID)
        }
        let request = try #require(spans.first { $0.operationName == GatewaySpans.request })
        let authenticate = try #require(spans.first { $0.operationName == GatewaySpans.authenticate })
        let adapter = try #require(spans.first { $0.operationName == GatewaySpans.adapter })
        let upstream = try #require(spans.first { $0.operationName == GatewaySpans.upstream })
        // The tracer's propagation joined the caller's trace (extracted from the request's headers).
        #expect(request.kind == .server && request.traceID == callerTrace && request.parentSpanID == callerSpan)
        #expect(authenticate.parentSpanID == request.spanID)
        #expect(adapter.parentSpanID == request.spanID)
        #expect(upstream.parentSpanID == adapter.spanID)
        #expect(upstream.kind == .client)
        #expect(Set([request.traceID, authenticate.traceID, adapter.traceID, upstream.traceID]).count == 1)
        #expect(adapter.attributes["gatehouse.connection"]?.toSpanAttribute() == .string("crm"))
        // And the upstream got the trace: same trace id, the call's own span id, the tracestate.
        let seen = try #require(echo.recorder.all.last)
        let sent = try #require(seen.header("traceparent"))
        #expect(sent.hasPrefix("00-\(trace.traceID)-") && sent.hasSuffix("-01") && !sent.contains(trace.spanID))
        #expect(seen.header("tracestate") == "v=1")
        // ... and the tracer's own propagation headers for the upstream span (injected).
        #expect(seen.header(InMemoryTracer.traceIDKey) == callerTrace)
        #expect(seen.header(InMemoryTracer.spanIDKey) == upstream.spanID)
    }

    @Test func aTracersW3CSpanBecomesTheHopOfTheSameTraceOnly() {
        let trace = TraceContext(
            traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracestate: "v=1")
        let adopted = trace.adopting(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-01")
        #expect(adopted?.spanID == "1111111111111111" && adopted?.traceID == trace.traceID && adopted?.state == "v=1")
        #expect(adopted?.traceparent == "00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-01")
        // Another trace, or a malformed one, is not adopted.
        #expect(trace.adopting(traceparent: "00-5bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-01") == nil)
        #expect(trace.adopting(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01") == nil)
        #expect(trace.adopting(traceparent: "garbage") == nil)
    }

    @Test func aRebuildKeepsUnchangedConnectionsAndClientLimiters() throws {
        let (_, hash) = APIKey.generate()
        let registry = AdapterRegistry([HTTPAdapter.kind])
        let secrets = EnvironmentSecretSource(environment: [:])
        let limit = ", rate_limit: { requests_per_second: 1, burst: 1 }"
        let first = try Gateway(
            configuration: try Self.config(echo: "http://127.0.0.1:9", key: hash, clientLimit: limit),
            registry: registry, transport: NoTransport(),
            secrets: secrets)
        let principal = Principal(name: "tester", connections: ["crm", "other"])
        _ = try first.admit(principal, to: first.connections["crm"]!)
        // The same file again: every runtime kept, the client's bucket still empty.
        let same = try Gateway(
            configuration: try Self.config(echo: "http://127.0.0.1:9", key: hash, clientLimit: limit),
            registry: registry, transport: NoTransport(),
            secrets: secrets, previous: first)
        #expect(same.connections["crm"]?.instance == first.connections["crm"]?.instance)
        #expect(same.connections["other"]?.instance == first.connections["other"]?.instance)
        #expect(throws: RateLimitedAdmission.Refusal.self) { try same.admit(principal, to: same.connections["crm"]!) }
        // crm's base_url changes: crm rebuilt, other kept.
        let moved = try Gateway(
            configuration: try Self.config(echo: "http://127.0.0.1:9", key: hash, crm: "/v2", clientLimit: limit),
            registry: registry,
            transport: NoTransport(), secrets: secrets, previous: same)
        #expect(moved.connections["crm"]?.instance != same.connections["crm"]?.instance)
        #expect(moved.connections["other"]?.instance == same.connections["other"]?.instance)
        // Without `previous` everything is new.
        let fresh = try Gateway(
            configuration: try Self.config(echo: "http://127.0.0.1:9", key: hash), registry: registry,
            transport: NoTransport(), secrets: secrets)
        #expect(fresh.connections["other"]?.instance != moved.connections["other"]?.instance)
    }

    /// Malformed `traceparent`s start a new trace; well-formed ones keep theirs.
    @Test(arguments: [
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", true),
        ("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future", true),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", false),
        ("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", false),
        ("00-00000000000000000000000000000000-00f067aa0ba902b7-01", false),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", false),
        ("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", false),
        ("", false),
    ])
    func traceparentParsing(header: String, kept: Bool) {
        let trace = TraceContext(traceparent: header, tracestate: "a=b")
        #expect(trace.continued == kept)
        #expect((trace.traceID == "4bf92f3577b34da6a3ce929d0e0e4736") == kept)
        #expect(trace.state == (kept ? "a=b" : nil))
        #expect(trace.traceparent.wholeMatch(of: /00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}/) != nil)
    }
}

/// A transport for tests that build gateways and never send.
struct NoTransport: UpstreamTransport {
    func send(_ request: UpstreamRequest) async throws -> UpstreamResponse {
        throw TransportError(.failed, "no transport in this test")
    }
}
