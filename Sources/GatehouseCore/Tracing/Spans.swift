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
