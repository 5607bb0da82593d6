extension JSON {
    /// A recursive-descent parser over UTF-8 bytes.
    struct Parser {
        let bytes: [UInt8]
        var index = 0
        var depth = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func parseDocument() throws(ParseError) -> Value {
            // A UTF-8 byte order mark is tolerated, as .NET upstreams send one.
            if self.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { self.index = 3 }
            self.skipWhitespace()
            let value = try self.parseValue()
            self.skipWhitespace()
            guard self.index == self.bytes.count else { throw self.error("unexpected data after the document") }
            return value
        }

        func error(_ message: String) -> ParseError {
            var line = 1
            var column = 1
            for byte in self.bytes[..<min(self.index, self.bytes.count)] {
                if byte == UInt8(ascii: "\n") {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            }
            return ParseError(message: message, line: line, column: column)
        }

        mutating func skipWhitespace() {
            while self.index < self.bytes.count {
                switch self.bytes[self.index] {
                case 0x20, 0x09, 0x0A, 0x0D: self.index += 1
                default: return
                }
            }
        }

        mutating func parseValue() throws(ParseError) -> Value {
            guard self.index < self.bytes.count else { throw self.error("unexpected end of input") }
            switch self.bytes[self.index] {
            case UInt8(ascii: "{"): return try self.parseObject()
            case UInt8(ascii: "["): return try self.parseArray()
            case UInt8(ascii: "\""): return .string(try self.parseString())
            case UInt8(ascii: "t"): try self.expectLiteral("true"); return .bool(true)
            case UInt8(ascii: "f"): try self.expectLiteral("false"); return .bool(false)
            case UInt8(ascii: "n"): try self.expectLiteral("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try self.parseNumber()
            default: throw self.error("unexpected character")
            }
        }

        mutating func expectLiteral(_ literal: StaticString) throws(ParseError) {
            let count = literal.utf8CodeUnitCount
            guard self.index + count <= self.bytes.count else { throw self.error("unexpected end of input") }
            let expected = UnsafeBufferPointer(start: literal.utf8Start, count: count)
            for offset in 0..<count where self.bytes[self.index + offset] != expected[offset] {
                throw self.error("invalid literal")
            }
            self.index += count
        }

        mutating func enter() throws(ParseError) {
            self.depth += 1
            if self.depth > JSON.maximumDepth { throw self.error("nesting deeper than \(JSON.maximumDepth)") }
        }

        mutating func parseObject() throws(ParseError) -> Value {
            try self.enter()
            defer { self.depth -= 1 }
            self.index += 1
            var members: [Value.Object.Member] = []
            self.skipWhitespace()
            if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "}") {
                self.index += 1
                return .object(Value.Object(members))
            }
            while true {
                self.skipWhitespace()
                guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\"") else {
                    throw self.error("expected a member name")
                }
                let key = try self.parseString()
                self.skipWhitespace()
                guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: ":") else {
                    throw self.error("expected ':'")
                }
                self.index += 1
                self.skipWhitespace()
                members.append(.init(key, try self.parseValue()))
                self.skipWhitespace()
                guard self.index < self.bytes.count else { throw self.error("unexpected end of input") }
                if self.bytes[self.index] == UInt8(ascii: ",") {
                    self.index += 1
                } else if self.bytes[self.index] == UInt8(ascii: "}") {
                    self.index += 1
                    return .object(Value.Object(members))
                } else {
                    throw self.error("expected ',' or '}'")
                }
            }
        }

        mutating func parseArray() throws(ParseError) -> Value {
            try self.enter()
            defer { self.depth -= 1 }
            self.index += 1
            var elements: [Value] = []
            self.skipWhitespace()
            if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "]") {
                self.index += 1
                return .array(elements)
            }
            while true {
                self.skipWhitespace()
                elements.append(try self.parseValue())
                self.skipWhitespace()
                guard self.index < self.bytes.count else { throw self.error("unexpected end of input") }
                if self.bytes[self.index] == UInt8(ascii: ",") {
                    self.index += 1
                } else if self.bytes[self.index] == UInt8(ascii: "]") {
                    self.index += 1
                    return .array(elements)
                } else {
                    throw self.error("expected ',' or ']'")
                }
            }
        }

        mutating func parseNumber() throws(ParseError) -> Value {
            let start = self.index
            func digits(_ parser: inout Parser) -> Int {
                let from = parser.index
                while parser.index < parser.bytes.count,
                    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(parser.bytes[parser.index])
                {
                    parser.index += 1
                }
                return parser.index - from
            }
            if self.bytes[self.index] == UInt8(ascii: "-") { self.index += 1 }
            guard self.index < self.bytes.count else { throw self.error("invalid number") }
            if self.bytes[self.index] == UInt8(ascii: "0") {
                self.index += 1
            } else if digits(&self) == 0 {
                throw self.error("invalid number")
            }
            if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: ".") {
                self.index += 1
                guard digits(&self) > 0 else { throw self.error("invalid number") }
            }
            if self.index < self.bytes.count, self.bytes[self.index] | 0x20 == UInt8(ascii: "e") {
                self.index += 1
                if self.index < self.bytes.count,
                    self.bytes[self.index] == UInt8(ascii: "+") || self.bytes[self.index] == UInt8(ascii: "-")
                {
                    self.index += 1
                }
                guard digits(&self) > 0 else { throw self.error("invalid number") }
            }
            return .number(String(decoding: self.bytes[start..<self.index], as: UTF8.self))
        }

        mutating func parseHex4() throws(ParseError) -> UInt32 {
            guard self.index + 4 <= self.bytes.count else { throw self.error("truncated \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = self.bytes[self.index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw self.error("invalid \\u escape")
                }
                value = value << 4 | UInt32(digit)
                self.index += 1
            }
            return value
        }

        mutating func parseString() throws(ParseError) -> String {
            self.index += 1
            var out: [UInt8] = []
            while true {
                guard self.index < self.bytes.count else { throw self.error("unterminated string") }
                let byte = self.bytes[self.index]
                switch byte {
                case UInt8(ascii: "\""):
                    self.index += 1
                    guard let string = String(validating: out, as: UTF8.self) else {
                        throw self.error("string is not valid UTF-8")
                    }
                    return string
                case UInt8(ascii: "\\"):
                    self.index += 1
                    guard self.index < self.bytes.count else { throw self.error("unterminated string") }
                    let escape = self.bytes[self.index]
                    self.index += 1
                    switch escape {
                    case UInt8(ascii: "\""): out.append(0x22)
                    case UInt8(ascii: "\\"): out.append(0x5C)
                    case UInt8(ascii: "/"): out.append(0x2F)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try self.parseHex4()
                        if (0xD800...0xDBFF).contains(scalar) {
                            guard self.index + 1 < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\\"),
                                self.bytes[self.index + 1] == UInt8(ascii: "u")
                            else { throw self.error("unpaired surrogate") }
                            self.index += 2
                            let low = try self.parseHex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw self.error("unpaired surrogate") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00...0xDFFF).contains(scalar) {
                            throw self.error("unpaired surrogate")
                        }
                        guard let unicode = Unicode.Scalar(scalar) else { throw self.error("invalid \\u escape") }
                        out.append(contentsOf: Array(String(Character(unicode)).utf8))
                    default: throw self.error("invalid escape")
                    }
                case 0x00..<0x20:
                    throw self.error("control character in string")
                default:
                    out.append(byte)
                    self.index += 1
                }
            }
        }
    }
}
