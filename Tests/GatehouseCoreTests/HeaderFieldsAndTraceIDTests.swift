import GatehouseCore
import HTTPTypes
import Testing

/// The hot path's shortcuts give exactly what HTTPTypes' subscript gives, and trace ids stay
/// well-formed and unique.
@Suite struct HeaderFieldsAndTraceIDTests {
    static let name = HTTPField.Name("X-Thing")!

    @Test func valueForIsTheSubscriptsValue() {
        let cases: [HTTPFields] = [
            [:],
            [.accept: "a/b"],
            HTTPFields([
                HTTPField(name: Self.name, value: "one"), HTTPField(name: .accept, value: "x"),
                HTTPField(name: Self.name, value: "two"),
            ]),
            HTTPFields([HTTPField(name: .cookie, value: "a=1"), HTTPField(name: .cookie, value: "b=2")]),
            HTTPFields([HTTPField(name: Self.name, value: "")]),
        ]
        for fields in cases {
            for name in [Self.name, .accept, .cookie, .contentLength] {
                #expect(fields.value(for: name) == fields[name], "\(name) in \(fields)")
            }
        }
    }

    @Test func setIsTheSetter() {
        let cases: [HTTPFields] = [
            [:],
            [.accept: "a/b"],
            HTTPFields([
                HTTPField(name: Self.name, value: "one"), HTTPField(name: .accept, value: "x"),
                HTTPField(name: Self.name, value: "two"),
            ]),
            HTTPFields([HTTPField(name: .cookie, value: "a=1")]),
        ]
        for fields in cases {
            for (name, value) in [(Self.name, "new"), (.accept, "c/d"), (.cookie, "c=3; d=4")] {
                var set = fields
                set.set(name, to: value)
                var subscripted = fields
                subscripted[name] = value
                #expect(set == subscripted && Array(set) == Array(subscripted), "\(name) in \(fields)")
            }
        }
    }

    @Test func newTraceAndSpanIdsAreWellFormedAndDistinct() {
        var traces = Set<String>()
        var spans = Set<String>()
        for _ in 0..<2_000 {
            let trace = TraceContext(traceparent: nil, tracestate: nil)
            #expect(trace.traceID.utf8.count == 32 && trace.spanID.utf8.count == 16)
            #expect(trace.traceparent == "00-\(trace.traceID)-\(trace.spanID)-01")
            // A new trace's own traceparent is one a next hop keeps.
            #expect(TraceContext(traceparent: trace.traceparent, tracestate: nil).traceID == trace.traceID)
            traces.insert(trace.traceID)
            spans.insert(trace.spanID)
        }
        #expect(traces.count == 2_000 && spans.count == 2_000)
    }

    @Test func stampReplacesTheCallersTraceFieldsAndAddsNoneTwice() {
        let trace = TraceContext(
            traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracestate: "v=1")
        var fresh: HTTPFields = [.accept: "a/b"]
        trace.stamp(&fresh)
        var stale: HTTPFields = [
            TraceContext.traceparentField: "00-11111111111111111111111111111111-2222222222222222-00",
            TraceContext.tracestateField: "old=1",
        ]
        trace.stamp(&stale)
        for fields in [fresh, stale] {
            let parents = fields[values: TraceContext.traceparentField]
            #expect(parents.count == 1 && parents[0].hasPrefix("00-4bf92f3577b34da6a3ce929d0e0e4736-"))
            #expect(parents[0].utf8.count == 55 && !parents[0].contains("00f067aa0ba902b7"))
            #expect(fields[values: TraceContext.tracestateField] == ["v=1"])
        }
        var none: HTTPFields = [TraceContext.tracestateField: "old=1"]
        TraceContext(traceparent: nil, tracestate: nil).stamp(&none)
        #expect(none[TraceContext.tracestateField] == nil && none.contains(TraceContext.traceparentField))
    }
}
