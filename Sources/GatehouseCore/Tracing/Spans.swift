import HTTPTypes
import Tracing

/// The spans the gateway opens through swift-distributed-tracing, so an exporter bootstrapped
/// with `InstrumentationSystem.bootstrap(_:)` sees every request without touching an adapter:
/// `gatehouse.request` (server), under it `gatehouse.authenticate` and `gatehouse.adapter`,
/// and under that one `gatehouse.upstream` (client) per upstream call. Each carries the W3C
/// trace id of ``TraceContext`` as `gatehouse.trace_id`. Without a bootstrapped tracer (no
/// `InstrumentationSystem.bootstrap`, no `withTracer` scope) no span is opened at all: ``run``
/// calls its body directly. swift-distributed-tracing's no-op tracer is not free on this path:
/// finding it casts the instrument twice under a lock, and `withSpan`'s unspecialised generic
/// layers, its clock read and its task-local context binding cost several thousand instructions
/// per span, four spans per proxied request.
public enum GatewaySpans {
    public static let request = "gatehouse.request"
    public static let authenticate = "gatehouse.authenticate"
    public static let adapter = "gatehouse.adapter"
    public static let upstream = "gatehouse.upstream"

    /// Whether spans are recorded: an instrument other than the no-op one is bootstrapped or
    /// bound by `withTracer`. (One bound as a no-op tracer explicitly still gets spans, its own.)
    public static var tracing: Bool { !(InstrumentationSystem.instrument is NoOpInstrument) }

    /// Runs one inbound request's `body` with its trace context bound, in a `gatehouse.request`
    /// span when a tracer is bootstrapped. The tracer's propagation joins the gateway's: it
    /// extracts from the request's headers with `traceparent`/`tracestate` as the gateway
    /// normalised them (the caller's when kept, else the new trace's), so a W3C propagator
    /// continues the same trace id and a propagator of its own headers finds them; and when the
    /// tracer injects a W3C `traceparent` of that trace, its request span id becomes the hop's
    /// (returned to the caller, parent of the upstream calls). `body` gets the hop's context.
    nonisolated(nonsending) public static func serve<T: Sendable>(
        _ trace: TraceContext, headers: HTTPFields,
        _ body: nonisolated(nonsending) (TraceContext) async throws -> T
    ) async throws -> T {
        guard Self.tracing else { return try await TraceContext.$current.withValue(trace) { try await body(trace) } }
        var carrier = headers
        carrier[TraceContext.traceparentField] =
            trace.continued ? headers[TraceContext.traceparentField] : trace.traceparent
        carrier[TraceContext.tracestateField] = trace.state
        var context = ServiceContext.current ?? .topLevel
        InstrumentationSystem.instrument.extract(carrier, into: &context, using: HTTPFieldsPropagation())
        return try await withSpan(Self.request, context: context, ofKind: .server) { span in
            var injected = HTTPFields()
            InstrumentationSystem.instrument.inject(span.context, into: &injected, using: HTTPFieldsPropagation())
            let hop = injected[TraceContext.traceparentField].flatMap(trace.adopting(traceparent:)) ?? trace
            span.attributes["gatehouse.trace_id"] = hop.traceID
            return try await TraceContext.$current.withValue(hop) { try await body(hop) }
        }
    }

    /// Sends one upstream call in a `gatehouse.upstream` (client) span when a tracer is
    /// bootstrapped, with the tracer's propagation headers for that span injected into
    /// `request`'s headers (a W3C propagator's `traceparent` replaces the gateway's own).
    nonisolated(nonsending) public static func upstream<T: Sendable>(
        _ request: UpstreamRequest, connection: String,
        _ send: nonisolated(nonsending) (UpstreamRequest) async throws -> T
    ) async throws -> T {
        guard Self.tracing else { return try await send(request) }
        return try await withSpan(Self.upstream, ofKind: .client) { span in
            if let trace = TraceContext.current { span.attributes["gatehouse.trace_id"] = trace.traceID }
            span.attributes["gatehouse.connection"] = connection
            var request = request
            InstrumentationSystem.instrument.inject(
                span.context, into: &request.headers, using: HTTPFieldsPropagation())
            return try await send(request)
        }
    }

    /// Runs `body` in a span named `name`, with the request's trace id and `connection` as attributes.
    nonisolated(nonsending) public static func run<T: Sendable>(
        _ name: String, kind: SpanKind = .internal, connection: String? = nil,
        _ body: nonisolated(nonsending) () async throws -> T
    ) async throws -> T {
        guard Self.tracing else { return try await body() }
        return try await withSpan(name, ofKind: kind) { span in
            if let trace = TraceContext.current { span.attributes["gatehouse.trace_id"] = trace.traceID }
            if let connection { span.attributes["gatehouse.connection"] = connection }
            return try await body()
        }
    }
}

extension ConnectionRuntime {
    /// The adapter's ``Adapter/proxy(_:)`` in a `gatehouse.adapter` span.
    nonisolated(nonsending) public func proxy(_ call: ProxyCall) async throws -> UpstreamResponse {
        try await GatewaySpans.run(GatewaySpans.adapter, connection: self.name) { try await self.adapter.proxy(call) }
    }

    /// The adapter's ``Adapter/perform(_:)`` in a `gatehouse.adapter` span.
    public func perform(_ call: OperationCall) async throws -> Envelope {
        try await GatewaySpans.run(GatewaySpans.adapter, connection: self.name) { try await self.adapter.perform(call) }
    }
}

/// Reads and writes tracer propagation headers on `HTTPFields` (a header name that is not a
/// valid field name is skipped; an injected one replaces what was there).
struct HTTPFieldsPropagation: Extractor, Injector {
    func extract(key: String, from carrier: HTTPFields) -> String? {
        HTTPField.Name(key).flatMap { carrier[$0] }
    }

    func inject(_ value: String, forKey key: String, into carrier: inout HTTPFields) {
        if let name = HTTPField.Name(key) { carrier[name] = value }
    }
}
