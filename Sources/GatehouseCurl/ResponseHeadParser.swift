import GatehouseCore
import HTTPTypes

/// Reads a response head one header line at a time, as libcurl's header callback delivers it,
/// and refuses anything a caller must never see: a status outside 100–599, a missing or
/// non-numeric status, a header before the status line, more header lines or bytes than the
/// connection allows.
///
/// ```swift
/// var parser = ResponseHeadParser(limits: .init(maxHeaders: 100, maxHeaderBytes: 64 * 1024))
/// for line in ["HTTP/1.1 200 OK\r\n", "Content-Type: text/plain\r\n", "\r\n"] {
///     if case .complete(let status, let headers) = try parser.consume(Array(line.utf8)) { ... }
/// }
/// ```
///
/// Header values holding a control character other than HTAB (NUL, a bare CR, ...) and
/// obsolete folded continuation lines are dropped, never passed on. Interim 1xx heads are
/// skipped; lines after the final head (trailers) are counted against the limits and ignored.
/// Pure and allocation-light, so fuzz targets can drive it with raw bytes.
public struct ResponseHeadParser: Sendable {
    /// Caps on one answer's head (`max_response_headers`, `max_response_header_bytes`).
    public struct Limits: Sendable, Hashable {
        /// Most header lines over all heads of one answer (interim ones included).
        public var maxHeaders: Int
        /// Most bytes over all head lines of one answer, status lines and line ends included.
        public var maxHeaderBytes: Int

        /// Creates limits; the defaults are the connection defaults.
        public init(maxHeaders: Int = 100, maxHeaderBytes: Int = 64 * 1024) {
            self.maxHeaders = maxHeaders
            self.maxHeaderBytes = maxHeaderBytes
        }
    }

    /// What one line did.
    public enum Event: Sendable, Equatable {
        /// Nothing for the caller yet (a header, an interim head ended, a trailer).
        case pending
        /// The final head ended: status 200–599 and its headers, already filtered.
        case complete(status: Int, headers: HTTPFields)
    }

    private let limits: Limits
    private var status: Int?
    private var headers = HTTPFields()
    private var headerCount = 0
    private var byteCount = 0
    /// Whether the final head was returned; later lines are trailers.
    public private(set) var isComplete = false

    /// A parser for one answer.
    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Feeds one header line (with or without its CRLF). Throws ``TransportError`` of kind
    /// `invalidResponse` when the answer must not be passed on; the parser is then unusable.
    public mutating func consume(_ line: [UInt8]) throws(TransportError) -> Event {
        let result = line.withUnsafeBytes { bytes in
            Result { () throws(TransportError) -> Event in try self.consume(bytes) }
        }
        return try result.get()
    }

    /// Feeds one header line from raw memory (libcurl's buffer).
    public mutating func consume(_ line: UnsafeRawBufferPointer) throws(TransportError) -> Event {
        // Subtraction, not addition: the running total can never overflow.
        guard line.count <= self.limits.maxHeaderBytes - self.byteCount else {
            throw TransportError(.invalidResponse, "the upstream's answer head exceeds max_response_header_bytes")
        }
        self.byteCount += line.count
        var content = line[...]
        while let last = content.last, last == 0x0A || last == 0x0D { content = content.dropLast() }
        if self.isComplete { return .pending }
        if content.isEmpty { return try self.endOfHead() }
        if content.starts(with: Self.httpPrefix) {
            try self.statusLine(content)
            return .pending
        }
        guard self.status != nil else {
            throw TransportError(.invalidResponse, "the upstream's answer does not start with an HTTP status line")
        }
        guard self.headerCount < self.limits.maxHeaders else {
            throw TransportError(.invalidResponse, "the upstream's answer has more than max_response_headers headers")
        }
        self.headerCount += 1
        self.field(content)
        return .pending
    }

    private static let httpPrefix = Array("HTTP/".utf8)

    /// `HTTP/<version> SP <3 digits> [SP reason]`.
    private mutating func statusLine(_ line: Slice<UnsafeRawBufferPointer>) throws(TransportError) {
        guard self.status == nil else {
            throw TransportError(.invalidResponse, "the upstream sent a status line inside a head")
        }
        var rest = line.dropFirst(Self.httpPrefix.count)
        let version = rest.prefix { $0 != 0x20 }
        guard !version.isEmpty, version.allSatisfy({ Self.isDigit($0) || $0 == UInt8(ascii: ".") }) else {
            throw TransportError(.invalidResponse, "the upstream's status line has no valid HTTP version")
        }
        rest = rest.dropFirst(version.count)
        guard rest.first == 0x20 else {
            throw TransportError(.invalidResponse, "the upstream's status line has no status")
        }
        rest = rest.dropFirst()
        let digits = rest.prefix { $0 != 0x20 }
        guard digits.count == 3, digits.allSatisfy(Self.isDigit) else {
            throw TransportError(.invalidResponse, "the upstream's status is not a three-digit number")
        }
        let code = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        guard (100...599).contains(code) else {
            throw TransportError(.invalidResponse, "the upstream's status \(code) is outside 100-599")
        }
        self.status = code
    }

    private mutating func endOfHead() throws(TransportError) -> Event {
        guard let status = self.status else {
            throw TransportError(.invalidResponse, "the upstream's answer has no status line")
        }
        self.status = nil
        if status < 200 {
            // An interim answer (100 Continue, 103 Early Hints): its headers are not the answer's.
            self.headers = HTTPFields()
            return .pending
        }
        self.isComplete = true
        let headers = self.headers
        self.headers = HTTPFields()
        return .complete(status: status, headers: headers)
    }

    /// `name: value`; dropped when the name is not a token or the value holds a control byte.
    private mutating func field(_ line: Slice<UnsafeRawBufferPointer>) {
        // Obsolete line folding (RFC 9112 §5.2) is refused by dropping the continuation.
        guard let first = line.first, first != 0x20, first != 0x09,
            let colon = line.firstIndex(of: UInt8(ascii: ":"))
        else { return }
        var value = line[(colon + 1)...]
        while let head = value.first, head == 0x20 || head == 0x09 { value = value.dropFirst() }
        while let tail = value.last, tail == 0x20 || tail == 0x09 { value = value.dropLast() }
        guard !value.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) else { return }
        let nameBytes = line[line.startIndex..<colon]
        guard let name = Self.commonName(nameBytes) ?? HTTPField.Name(String(decoding: nameBytes, as: UTF8.self))
        else { return }
        self.headers.append(HTTPField(name: name, value: value))
    }

    /// Names nearly every answer carries, spelled as servers usually send them.
    private static let commonNames: [HTTPField.Name] = [
        .contentType, .contentLength, .date, .server, .connection, .cacheControl, .transferEncoding, .vary,
        .eTag, .lastModified, .location, .contentEncoding,
    ]

    /// The made name when `bytes` spell one of ``commonNames`` exactly (any other spelling
    /// takes the general path, with the same result): no string, lowercasing and token check
    /// per header line.
    private static func commonName(_ bytes: Slice<UnsafeRawBufferPointer>) -> HTTPField.Name? {
        for name in Self.commonNames {
            var raw = name.rawName
            let same = raw.withUTF8 { expected in
                expected.count == bytes.count && zip(expected, bytes).allSatisfy { $0 == $1 }
            }
            if same { return name }
        }
        return nil
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
}
