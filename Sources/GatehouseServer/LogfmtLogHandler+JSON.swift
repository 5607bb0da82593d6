import Logging

/// `server.log_format: json`: one JSON object a line, with the logfmt line's fields under the
/// same names — `ts`, `level`, `logger`, `msg`, then the metadata in key order. Event metadata
/// values are strings, as in logfmt; the access line's numbers (`status`, `upstream_status`,
/// `duration_ms`, `queue_ms`, `upstream_ms`) are JSON numbers, and what logfmt writes as `-`
/// (no client, connection or upstream status) is `null`.
extension LogfmtLogHandler {
    func logJSON(event: LogEvent) {
        var merged = self.metadata
        if let extra = event.metadata {
            if merged.isEmpty { merged = extra } else { merged.merge(extra) { _, new in new } }
        }
        let level = event.level
        let message = event.message.description
        let label = self.label
        LogSink.shared.appendLine(urgent: level >= .notice) { out in
            out.append(contentsOf: #"{"ts":""#.utf8)
            Self.appendTimestamp(to: &out)
            out.append(contentsOf: #"","level":""#.utf8)
            out.append(contentsOf: level.rawValue.utf8)
            out.append(contentsOf: #"","logger":"#.utf8)
            Self.appendJSONString(label, to: &out)
            out.append(contentsOf: #","msg":"#.utf8)
            Self.appendJSONString(message, to: &out)
            for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
                out.append(UInt8(ascii: ","))
                Self.appendJSONString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                switch value {
                case .string(let text): Self.appendJSONString(text, to: &out)
                default: Self.appendJSONString(value.description, to: &out)
                }
            }
            out.append(contentsOf: "}\n".utf8)
        }
    }

    /// ``logAccess(_:)`` as JSON, written as bytes into the sink's buffer like the logfmt line.
    func logAccessJSON(_ line: AccessLine) {
        let label = self.label
        LogSink.shared.appendLine { out in
            out.append(contentsOf: #"{"ts":""#.utf8)
            Self.appendTimestamp(to: &out)
            out.append(contentsOf: #"","level":"info","logger":"#.utf8)
            Self.appendJSONString(label, to: &out)
            out.append(contentsOf: #","msg":"access""#.utf8)
            if line.aborted { out.append(contentsOf: #","aborted":true"#.utf8) }
            Self.appendJSONField(#","client":"#, line.client, to: &out)
            Self.appendJSONField(#","connection":"#, line.connection, to: &out)
            Self.appendMilliseconds(#","duration_ms":"#, line.nanoseconds, to: &out)
            if let error = line.error { Self.appendJSONField(#","error":"#, error, to: &out) }
            Self.appendJSONField(#","method":"#, line.method, to: &out)
            if let queue = line.queueNanoseconds { Self.appendMilliseconds(#","queue_ms":"#, queue, to: &out) }
            Self.appendJSONField(#","request_id":"#, line.requestID, to: &out)
            Self.appendJSONField(#","route":"#, line.route, to: &out)
            out.append(contentsOf: #","status":"#.utf8)
            Self.appendDecimal(Int64(line.status), to: &out)
            if let trace = line.traceID { Self.appendJSONField(#","trace_id":"#, trace, to: &out) }
            if let upstream = line.upstreamNanoseconds {
                Self.appendMilliseconds(#","upstream_ms":"#, upstream, to: &out)
            }
            out.append(contentsOf: #","upstream_status":"#.utf8)
            if let upstream = line.upstreamStatus {
                Self.appendDecimal(Int64(upstream), to: &out)
            } else {
                out.append(contentsOf: "null".utf8)
            }
            out.append(contentsOf: "}\n".utf8)
        }
    }

    private static func appendJSONField(_ key: StaticString, _ value: String?, to out: inout [UInt8]) {
        key.withUTF8Buffer { out.append(contentsOf: $0) }
        if let value { Self.appendJSONString(value, to: &out) } else { out.append(contentsOf: "null".utf8) }
    }

    /// `value` as a JSON string: `"` and `\\` escaped, control characters as `\\uXXXX`, the
    /// rest as its UTF-8.
    static func appendJSONString(_ value: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20, 0x7F:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(UInt8(ascii: "0") + byte >> 4)
                let low = byte & 0x0F
                out.append(low < 10 ? UInt8(ascii: "0") + low : UInt8(ascii: "a") + low - 10)
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
