import Tracing

/// The spans the gateway opens through swift-distributed-tracing, so an exporter bootstrapped
/// with `InstrumentationSystem.bootstrap(_:)` sees every request without touching an adapter:
/// `gatehouse.request` (server), under it `gatehouse.authenticate` and `gatehouse.adapter`,
/// and under that one `gatehouse.upstream` (client) per upstream call. Each carries the W3C
/// trace id of ``TraceContext`` as `gatehouse.trace_id`. Without a bootstrapped tracer they cost
/// next to nothing (the no-op tracer).
public enum GatewaySpans {
    public static let request = "gatehouse.request"
    public static let authenticate = "gatehouse.authenticate"
    public static let adapter = "gatehouse.adapter"
    public static let upstream = "gatehouse.upstream"

    /// Runs `body` in a span named `name`, with the request's trace id and `connection` as attributes.
    public static func run<T: Sendable>(
        _ name: String, kind: SpanKind = .internal, connection: String? = nil, _ body: () async throws -> T
    ) async throws -> T {
        try await withSpan(name, ofKind: kind) { span in
            if let trace = TraceContext.current { span.attributes["gatehouse.trace_id"] = trace.traceID }
            if let connection { span.attributes["gatehouse.connection"] = connection }
            return try await body()
        }
    }
}

extension ConnectionRuntime {
    /// The adapter's ``Adapter/proxy(_:)`` in a `gatehouse.adapter` span.
    public func proxy(_ call: ProxyCall) async throws -> UpstreamResponse {
        try await GatewaySpans.run(GatewaySpans.adapter, connection: self.name) { try await self.adapter.proxy(call) }
    }

    /// The adapter's ``Adapter/perform(_:)`` in a `gatehouse.adapter` span.
    public func perform(_ call: OperationCall) async throws -> Envelope {
        try await GatewaySpans.run(GatewaySpans.adapter, connection: self.name) { try await self.adapter.perform(call) }
    }
}
