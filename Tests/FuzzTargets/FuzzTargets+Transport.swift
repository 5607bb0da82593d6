import GatehouseCore
import GatehouseCurl
import HTTPTypes

extension FuzzTargets {
    /// Small caps, so that short inputs reach both limits; the parser's logic is the same as with
    /// the connection defaults.
    static let curlStatusLineLimits = ResponseHeadParser.Limits(maxHeaders: 16, maxHeaderBytes: 2048)

    /// `ResponseHeadParser`, the reader of every upstream answer's head (libcurl's header lines):
    /// the input split on LF, each line fed with its CRLF, over interim 1xx heads, the final head
    /// and trailers. A final status is 200–599, the headers passed on stay within the limits and
    /// no value passed on holds a control byte (NUL, CR, LF, ...).
    static let curlStatusLine = FuzzTarget(
        "curl-status-line", input: "an answer head, one header line per LF (interim heads and trailers included)"
    ) { bytes in
        let limits = Self.curlStatusLineLimits
        var parser = ResponseHeadParser(limits: limits)
        var completed: (status: Int, headers: HTTPFields)?
        var fed = 0
        // The values as sent (trimmed), to prove a value passed on was not rewritten: HTTPTypes
        // would turn a NUL or CR into a space, which the parser must drop instead.
        var sent: Set<[UInt8]> = []
        var trailers = 0
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        for content in lines {
            var line = Array(content)
            if line.last != UInt8(ascii: "\r") { line.append(UInt8(ascii: "\r")) }
            line.append(UInt8(ascii: "\n"))
            let event: ResponseHeadParser.Event
            do throws(TransportError) {
                event = try parser.consume(line)
            } catch {
                FuzzTarget.require(error.kind == .invalidResponse, "the head parser threw \(error.kind.rawValue)")
                return "refused: \(error.message)"
            }
            fed += line.count
            if let colon = content.firstIndex(of: UInt8(ascii: ":")) {
                var value = content[(colon + 1)...]
                while let last = value.last, last == 0x0D { value = value.dropLast() }
                sent.insert(Array(Self.trimmed(value)))
            }
            FuzzTarget.require(
                fed <= limits.maxHeaderBytes, "the head parser accepted \(fed) bytes over max_response_header_bytes")
            if completed != nil {
                FuzzTarget.require(event == .pending, "the head parser completed an answer twice")
                trailers += 1
            } else if case .complete(let status, let headers) = event {
                FuzzTarget.require((200...599).contains(status), "the head parser passed on status \(status)")
                FuzzTarget.require(
                    headers.count <= limits.maxHeaders, "the head parser passed on \(headers.count) headers")
                for field in headers {
                    let value = field.withUnsafeBytesOfValue { Array($0) }
                    FuzzTarget.require(
                        !value.contains { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F },
                        "the head parser passed on a control byte in \(field.name)")
                    FuzzTarget.require(
                        sent.contains(value), "the head parser passed on a rewritten value in \(field.name)")
                }
                FuzzTarget.require(parser.isComplete, "the head parser completed but does not say so")
                completed = (status, headers)
            }
        }
        guard let completed else { return "incomplete" }
        let fields = completed.headers.map { "\($0.name.rawName)=\($0.value)" }.joined(separator: ",")
        return FuzzTarget.short(
            "complete \(completed.status), \(completed.headers.count) headers [\(fields)], \(trailers) trailer lines")
    }

    /// `bytes` without leading and trailing spaces and tabs.
    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var value = bytes
        while let first = value.first, first == 0x20 || first == 0x09 { value = value.dropFirst() }
        while let last = value.last, last == 0x20 || last == 0x09 { value = value.dropLast() }
        return value
    }
}
