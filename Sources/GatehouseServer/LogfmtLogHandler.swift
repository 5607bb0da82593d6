import Logging
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Writes one logfmt line per entry to standard error:
/// `ts=... level=info msg=access request_id=... status=200`. Values are quoted when needed.
/// Nothing secret is ever put into metadata; this handler does not try to guess.
public struct LogfmtLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String

    /// Creates a handler for `label` at `level`.
    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
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

    /// Writes out buffered lines now (call before the process exits).
    public static func flush() { LogSink.shared.flush() }

    static func quote(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.utf8.contains { $0 <= 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "=") || $0 == 0x7F }
        guard needsQuotes else { return value }
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
