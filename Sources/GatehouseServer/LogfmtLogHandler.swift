import Logging
import Foundation
import Synchronization
#if canImport(Glibc)
    import Glibc
#endif

/// Writes one line per entry to standard error, in logfmt
/// (`ts=... level=info msg=access request_id=... status=200`, values quoted when needed) or, with
/// `server.log_format: json`, as one JSON object a line with the same fields
/// (``LogFormat``). Nothing secret is ever put into metadata; this handler does not try to guess.
public struct LogfmtLogHandler: LogHandler {
    /// `server.log_format`.
    public enum LogFormat: String, Sendable, CaseIterable {
        case logfmt
        case json
    }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String
    /// The line format.
    public let format: LogFormat

    /// Creates a handler for `label` at `level`, writing `format`.
    public init(label: String, level: Logger.Level, format: LogFormat = .logfmt) {
        self.label = label
        self.logLevel = level
        self.format = format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        if self.format == .json {
            self.logJSON(event: event)
            return
        }
        var line = ""
        line.reserveCapacity(256)
        line += "ts="
        line += Self.timestamp()
        line += " level="
        line += event.level.rawValue
        line += " logger="
        line += self.label
        line += " msg="
        line += Self.quote(event.message.description)
        var merged = self.metadata
        if let extra = event.metadata {
            if merged.isEmpty { merged = extra } else { merged.merge(extra) { _, new in new } }
        }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line += " "
            line += key
            line += "="
            switch value {
            case .string(let text): line += Self.quote(text)
            default: line += Self.quote(value.description)
            }
        }
        line += "\n"
        LogSink.shared.append(line, urgent: event.level >= .notice)
    }

    /// The handler to write access lines through ``logAccess(_:)``: `logger`'s own when it is
    /// this handler with no handler metadata (whose line ``logAccess(_:)`` reproduces), else nil.
    public static func accessWriter(for logger: Logger) -> LogfmtLogHandler? {
        guard let handler = logger.handler as? LogfmtLogHandler, handler.metadata.isEmpty else { return nil }
        return handler
    }

    /// Writes the line ``log(event:)`` writes for `logger.info("access", metadata:)` with these
    /// fields (the same keys in the same sorted order, the same quoting), as bytes straight into
    /// the sink's buffer: no metadata dictionary, no sort, no intermediate strings.
    public func logAccess(_ line: AccessLine) {
        guard self.logLevel <= .info else { return }
        if self.format == .json {
            self.logAccessJSON(line)
            return
        }
        LogSink.shared.appendLine { out in
            out.append(contentsOf: "ts=".utf8)
            Self.appendTimestamp(to: &out)
            out.append(contentsOf: " level=info logger=".utf8)
            out.append(contentsOf: self.label.utf8)
            out.append(contentsOf: " msg=access".utf8)
            if line.aborted { out.append(contentsOf: " aborted=true".utf8) }
            Self.append(" client=", line.client ?? "-", to: &out)
            Self.append(" connection=", line.connection ?? "-", to: &out)
            Self.appendMilliseconds(" duration_ms=", line.nanoseconds, to: &out)
            if let error = line.error { Self.append(" error=", error, to: &out) }
            Self.append(" method=", line.method, to: &out)
            if let queue = line.queueNanoseconds { Self.appendMilliseconds(" queue_ms=", queue, to: &out) }
            Self.append(" request_id=", line.requestID, to: &out)
            Self.append(" route=", line.route, to: &out)
            out.append(contentsOf: " status=".utf8)
            Self.appendDecimal(Int64(line.status), to: &out)
            if let trace = line.traceID { Self.append(" trace_id=", trace, to: &out) }
            if let upstream = line.upstreamNanoseconds { Self.appendMilliseconds(" upstream_ms=", upstream, to: &out) }
            out.append(contentsOf: " upstream_status=".utf8)
            if let upstream = line.upstreamStatus {
                Self.appendDecimal(Int64(upstream), to: &out)
            } else {
                out.append(UInt8(ascii: "-"))
            }
            out.append(UInt8(ascii: "\n"))
        }
    }

    /// What one access line says (see ``logAccess(_:)``).
    public struct AccessLine: Sendable {
        public var requestID: String
        public var client: String?
        public var connection: String?
        public var method: String
        public var route: String
        public var status: Int
        public var upstreamStatus: Int?
        public var nanoseconds: Int64
        /// Time queued for an upstream slot and time spent upstream (proxy and operation routes).
        public var queueNanoseconds: Int64?
        public var upstreamNanoseconds: Int64?
        public var error: String?
        public var aborted: Bool
        /// The W3C trace id (32 hex digits) of the request's `traceparent`.
        public var traceID: String?

        /// Creates a line's fields.
        public init(
            requestID: String, client: String?, connection: String?, method: String, route: String, status: Int,
            upstreamStatus: Int?, nanoseconds: Int64, queueNanoseconds: Int64? = nil, upstreamNanoseconds: Int64? = nil,
            error: String?, aborted: Bool, traceID: String? = nil
        ) {
            self.traceID = traceID
            self.requestID = requestID
            self.client = client
            self.connection = connection
            self.method = method
            self.route = route
            self.status = status
            self.upstreamStatus = upstreamStatus
            self.nanoseconds = nanoseconds
            self.queueNanoseconds = queueNanoseconds
            self.upstreamNanoseconds = upstreamNanoseconds
            self.error = error
            self.aborted = aborted
        }
    }

    static func append(_ key: StaticString, _ value: String, to out: inout [UInt8]) {
        key.withUTF8Buffer { out.append(contentsOf: $0) }
        if Self.needsQuotes(value) {
            out.append(contentsOf: Self.quote(value).utf8)
        } else {
            out.append(contentsOf: value.utf8)
        }
    }

    /// `key` and milliseconds with three decimals, as `String(format:)` writes them.
    static func appendMilliseconds(_ key: StaticString, _ nanoseconds: Int64, to out: inout [UInt8]) {
        key.withUTF8Buffer { out.append(contentsOf: $0) }
        let micros = max(0, nanoseconds / 1_000)
        Self.appendDecimal(micros / 1_000, to: &out)
        out.append(UInt8(ascii: "."))
        let fraction = micros % 1_000
        out.append(UInt8(ascii: "0") + UInt8(fraction / 100))
        out.append(UInt8(ascii: "0") + UInt8(fraction / 10 % 10))
        out.append(UInt8(ascii: "0") + UInt8(fraction % 10))
    }

    static func appendDecimal(_ value: Int64, to out: inout [UInt8]) {
        guard value != 0 else { out.append(UInt8(ascii: "0")); return }
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        let start = out.count
        while magnitude > 0 {
            out.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        }
        out[start...].reverse()
    }

    /// Writes out buffered lines now (call before the process exits).
    public static func flush() { LogSink.shared.flush() }

    static func needsQuotes(_ value: String) -> Bool {
        value.isEmpty
            || value.utf8.contains { $0 <= 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "=") || $0 == 0x7F }
    }

    static func quote(_ value: String) -> String {
        guard Self.needsQuotes(value) else { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20: out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// The formatted second, reused while it is current: formatting dates per line is costly.
    static let secondCache = Mutex<(second: Int, text: String)>((-1, ""))

    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let millis = Int(now.tv_nsec / 1_000_000)
        let fraction = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        let second = Int(now.tv_sec)
        if let cached = secondCache.withLock({ $0.second == second ? $0.text : nil }) {
            return cached + "." + fraction + "Z"
        }
        let text = Self.formatSecond(now.tv_sec)
        secondCache.withLock { $0 = (second, text) }
        return text + "." + fraction + "Z"
    }

    /// ``timestamp()`` as bytes.
    static func appendTimestamp(to out: inout [UInt8]) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let millis = Int(now.tv_nsec / 1_000_000)
        let second = Int(now.tv_sec)
        let text =
            secondCache.withLock({ $0.second == second ? $0.text : nil })
            ?? {
                let text = Self.formatSecond(now.tv_sec)
                secondCache.withLock { $0 = (second, text) }
                return text
            }()
        out.append(contentsOf: text.utf8)
        out.append(UInt8(ascii: "."))
        out.append(UInt8(ascii: "0") + UInt8(millis / 100 % 10))
        out.append(UInt8(ascii: "0") + UInt8(millis / 10 % 10))
        out.append(UInt8(ascii: "0") + UInt8(millis % 10))
        out.append(UInt8(ascii: "Z"))
    }

    static func formatSecond(_ seconds: Int) -> String {
        var time = seconds
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))"
    }
}

/// Standard error with a small buffer: info lines (the access log) are written in batches
/// every 50 ms or 64 KiB, so a busy gateway makes one write per batch instead of per request;
/// notice and above go out at once, with everything before them.
final class LogSink: Sendable {
    static let shared = LogSink()

    private let buffer = Mutex<[UInt8]>([])
    /// Serialises writes so lines never interleave.
    private let output = Mutex<Void>(())
    private static let limit = 64 * 1024

    private init() {
        let thread = Thread { [self] in
            while true {
                usleep(50_000)
                self.flush()
            }
        }
        thread.name = "gatehouse-log"
        thread.start()
    }

    func append(_ line: String, urgent: Bool) {
        let full = self.buffer.withLock { buffer -> Bool in
            buffer.append(contentsOf: line.utf8)
            return buffer.count >= Self.limit
        }
        if urgent || full { self.flush() }
    }

    /// Appends one line written by `write` into the buffer (under its lock: nothing is copied);
    /// `urgent` lines go out at once, with everything before them.
    func appendLine(urgent: Bool = false, _ write: (inout [UInt8]) -> Void) {
        let full = self.buffer.withLock { buffer -> Bool in
            write(&buffer)
            return buffer.count >= Self.limit
        }
        if urgent || full { self.flush() }
    }

    func flush() {
        self.output.withLock { _ in
            let pending = self.buffer.withLock { buffer -> [UInt8] in
                defer { buffer.removeAll(keepingCapacity: true) }
                return buffer
            }
            pending.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = Glibc.write(2, bytes.baseAddress! + offset, bytes.count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
        }
    }
}
