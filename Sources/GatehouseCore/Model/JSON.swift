import GatehouseCrypto

/// Strict RFC 8259 JSON reading and writing for ``Value``.
public enum JSON {
    /// Why a document is not JSON, with the position of the problem.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let message: String
        public let line: Int
        public let column: Int
        public var description: String { "invalid JSON at line \(self.line), column \(self.column): \(self.message)" }
    }

    /// Nesting deeper than this is refused, so hostile input cannot exhaust the stack.
    public static let maximumDepth = 200

    /// Parses a complete JSON document.
    public static func parse(_ bytes: some Collection<UInt8>) throws(ParseError) -> Value {
        let array = Array(bytes)
        var parser = Parser(bytes: array)
        return try parser.parseDocument()
    }

    /// Parses a complete JSON document from text.
    public static func parse(_ text: String) throws(ParseError) -> Value {
        try self.parse(Array(text.utf8))
    }

    /// Serializes compactly (no whitespace), keeping member order.
    public static func serialize(_ value: Value) -> String {
        String(decoding: self.serializeBytes(value), as: UTF8.self)
    }

    /// Serializes into UTF-8 bytes. Written byte by byte into one array: error bodies and
    /// envelopes are built for every request that has one, and appending to a `String` one
    /// Unicode scalar at a time cost about 100 instructions a character.
    public static func serializeBytes(_ value: Value) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        self.write(value, into: &out)
        return out
    }

    static func write(_ value: Value, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: n.utf8)
        case .string(let s): self.writeString(s, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                self.write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            for (index, member) in object.members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                self.writeString(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                self.write(member.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// A JSON string: `"` and `\` and the control characters escaped, every other character
    /// as its UTF-8 bytes; runs without anything to escape are copied whole.
    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = s
        text.withUTF8 { bytes in
            var start = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
                case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
                case UInt8(ascii: "\n"): out.append(contentsOf: #"\n"#.utf8)
                case UInt8(ascii: "\r"): out.append(contentsOf: #"\r"#.utf8)
                case UInt8(ascii: "\t"): out.append(contentsOf: #"\t"#.utf8)
                default:
                    out.append(contentsOf: #"\u00"#.utf8)
                    out.append(Hex.lowercaseDigit(byte >> 4))
                    out.append(Hex.lowercaseDigit(byte))
                }
                start = index + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
        out.append(UInt8(ascii: "\""))
    }
}
