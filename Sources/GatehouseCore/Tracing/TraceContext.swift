import HTTPTypes
import Synchronization

/// W3C trace context (`traceparent`, `tracestate`) of one inbound request.
///
/// A well-formed incoming `traceparent` keeps its trace id and flags (and its `tracestate`
/// comes along); a missing or malformed one is replaced by a new trace (and any `tracestate`
/// dropped), never forwarded. The gateway is a hop of the trace: its request gets a span id of
/// its own (``spanID``), returned to the caller in `traceparent`, and every upstream call the
/// request causes — the proxied call, an operation's calls, a token refresh on its behalf —
/// carries `00-<trace id>-<a new span id>-<flags>` (``UpstreamClient`` adds it from ``current``).
public struct TraceContext: Sendable, Equatable {
    /// 32 lowercase hex digits, not all zero.
    public let traceID: String
    /// 16 lowercase hex digits, not all zero: the gateway's span for this request.
    public let spanID: String
    /// 2 hex digits (`01`: sampled).
    public let flags: String
    /// `tracestate`, passed on as the caller sent it (bounded), only with a kept `traceparent`.
    public let state: String?
    /// Whether the caller's `traceparent` was kept.
    public let continued: Bool

    public static let traceparentField = HTTPField.Name("traceparent")!
    public static let tracestateField = HTTPField.Name("tracestate")!

    /// The trace context of the request being answered, for upstream calls it causes.
    @TaskLocal public static var current: TraceContext?

    /// The context for a request with these headers: the caller's trace when well-formed, else a new one.
    public init(traceparent: String?, tracestate: String?) {
        if let traceparent, let (trace, flags) = Self.parse(traceparent) {
            self.traceID = trace
            self.flags = flags
            // Longer than the W3C limit of 32 members × 256 bytes, or with controls: dropped.
            self.state = tracestate.flatMap {
                $0.utf8.count <= 8_192 && !$0.utf8.contains { $0 < 0x20 || $0 == 0x7F } ? $0 : nil
            }
            self.continued = true
        } else {
            self.traceID = Self.randomHex(UInt64.self, count: 2)
            self.flags = "01"
            self.state = nil
            self.continued = false
        }
        self.spanID = Self.randomHex(UInt64.self, count: 1)
    }

    private init(traceID: String, spanID: String, flags: String, state: String?, continued: Bool = true) {
        self.traceID = traceID
        self.spanID = spanID
        self.flags = flags
        self.state = state
        self.continued = continued
    }

    /// `traceparent` of this hop: `00-<trace id>-<span id>-<flags>`.
    public var traceparent: String { Self.traceparent(trace: self.traceID, span: self.spanID, flags: self.flags) }

    /// `00-<trace>-<span>-<flags>` written in one allocation (no interpolation).
    static func traceparent(trace: String, span: String, flags: String) -> String {
        var trace = trace
        var span = span
        var flags = flags
        let count = 3 + trace.utf8.count + 1 + span.utf8.count + 1 + flags.utf8.count
        return String(unsafeUninitializedCapacity: count) { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            var cursor = base
            func copy(_ text: inout String) {
                text.withUTF8 { bytes in
                    if let source = bytes.baseAddress { cursor.initialize(from: source, count: bytes.count) }
                    cursor += bytes.count
                }
            }
            func dash() {
                cursor.initialize(to: UInt8(ascii: "-"))
                cursor += 1
            }
            cursor.initialize(repeating: UInt8(ascii: "0"), count: 2)
            cursor += 2
            dash()
            copy(&trace)
            dash()
            copy(&span)
            dash()
            copy(&flags)
            return cursor - base
        }
    }

    /// This context with the span id of `traceparent` when it is a well-formed `traceparent` of
    /// the same trace (a tracer's own span for this hop), else `nil`.
    public func adopting(traceparent: String) -> TraceContext? {
        let bytes = Array(traceparent.utf8)
        guard let (trace, flags) = Self.parse(traceparent), trace == self.traceID, bytes.count >= 52 else { return nil }
        let span = String(decoding: bytes[36..<52], as: UTF8.self)
        return TraceContext(traceID: trace, spanID: span, flags: flags, state: self.state, continued: self.continued)
    }

    /// The same trace with a new span id: one upstream call.
    public func child() -> TraceContext {
        TraceContext(
            traceID: self.traceID, spanID: Self.randomHex(UInt64.self, count: 1), flags: self.flags, state: self.state)
    }

    /// Sets `traceparent` (a new child span) and `tracestate` (or removes the caller's) on an upstream call's headers.
    public func stamp(_ headers: inout HTTPFields) {
        let traceparent = Self.traceparent(
            trace: self.traceID, span: Self.randomHex(UInt64.self, count: 1), flags: self.flags)
        // The usual call carries neither field: appending skips HTTPFields' replace-all
        // setter, which searches and rebuilds through lazy sequences for each name.
        headers.set(Self.traceparentField, to: traceparent)
        if headers.contains(Self.tracestateField) {
            headers[Self.tracestateField] = self.state
        } else if let state = self.state {
            headers.append(HTTPField(name: Self.tracestateField, value: state))
        }
    }

    /// Trace id and flags of a version-00 `traceparent` (or a later version's first four
    /// fields, as the spec asks), or `nil` when it is malformed: wrong length or separators,
    /// uppercase or non-hex digits, an all-zero id, version `ff`.
    static func parse(_ text: String) -> (trace: String, flags: String)? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 55 else { return nil }
        func isHex(_ range: Range<Int>) -> Bool {
            bytes[range].allSatisfy {
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0)
            }
        }
        guard isHex(0..<2), bytes[2] == UInt8(ascii: "-"), isHex(3..<35), bytes[35] == UInt8(ascii: "-"),
            isHex(36..<52),
            bytes[52] == UInt8(ascii: "-"), isHex(53..<55)
        else { return nil }
        let version = String(decoding: bytes[0..<2], as: UTF8.self)
        guard version != "ff" else { return nil }
        // Version 00 has exactly these fields; later versions may append `-...`.
        if version == "00" {
            guard bytes.count == 55 else { return nil }
        } else if bytes.count > 55, bytes[55] != UInt8(ascii: "-") {
            return nil
        }
        let trace = String(decoding: bytes[3..<35], as: UTF8.self)
        let parent = bytes[36..<52]
        guard trace.utf8.contains(where: { $0 != UInt8(ascii: "0") }),
            parent.contains(where: { $0 != UInt8(ascii: "0") })
        else { return nil }
        return (trace, String(decoding: bytes[53..<55], as: UTF8.self))
    }

    /// `count` (1 or 2) unpredictable-looking 64-bit words as lowercase hex, never all zero: one
    /// allocation. Ids need to be unique, not secret (they travel in headers and logs), so they
    /// come from a per-process counter with a random start and a random key, through
    /// splitmix64's finaliser (a bijection): no two calls in a process give the same word, and
    /// there is no `getrandom` system call per id (`SystemRandomNumberGenerator` makes one per
    /// word: three or four per proxied request).
    static func randomHex(_: UInt64.Type, count: Int) -> String {
        var first: UInt64 = 0
        var second: UInt64 = 0
        repeat {
            first = Self.nextWord()
            second = count > 1 ? Self.nextWord() ^ Self.idKey : 0
        } while first == 0 && second == 0
        return String(unsafeUninitializedCapacity: count * 16) { buffer in
            func put(_ word: UInt64, at offset: Int) {
                for index in 0..<16 {
                    let nibble = UInt8(truncatingIfNeeded: word >> UInt64(60 - 4 * index)) & 0x0F
                    buffer[offset + index] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
                }
            }
            put(first, at: 0)
            if count > 1 { put(second, at: 16) }
            return count * 16
        }
    }

    /// The next id word: the counter's next value, mixed.
    private static func nextWord() -> UInt64 {
        var value = Self.idCounter.wrappingAdd(1, ordering: .relaxed).newValue
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    /// The last counter value used; starts at a random point per process.
    private static let idCounter = Atomic<UInt64>(UInt64.random(in: .min ... .max))
    /// Mixed into a trace id's second word, so the two halves are not one sequence.
    private static let idKey = UInt64.random(in: .min ... .max)
}
