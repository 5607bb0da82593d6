import GatehouseCore

/// K2's `conditions` parameter as the simulator reads it: conditions split on `,` and operands
/// on `;`, both outside `"..."`; `field;[!]OP[flags];operands`.
struct K2Filter {
    struct Condition {
        var field: String
        var negate: Bool
        var op: String
        var flags: Set<Character>
        var operands: [String]
    }

    var conditions: [Condition]
    var or: Bool
    /// `like_hash` of the simulator's configuration: what `LIKE#` means.
    var hashMeansContains = true

    /// Splits on `separator` outside double quotes, removing the quotes of quoted parts.
    static func split(_ text: String, on separator: Character) throws(K2Error) -> [(text: String, quoted: Bool)] {
        var parts: [(String, Bool)] = []
        var current = ""
        var quoted = false
        var wasQuoted = false
        for character in text {
            if character == "\"" {
                quoted.toggle()
                wasQuoted = true
                if separator == ";" { continue }
            }
            if character == separator, !quoted {
                parts.append((current, wasQuoted))
                current = ""
                wasQuoted = false
            } else {
                current.append(character)
            }
        }
        guard !quoted else { throw K2Error(.requestError, "Unterminated quoted value in conditions.", status: 400) }
        parts.append((current, wasQuoted))
        return parts
    }

    init(text: String?, or: Bool, hashMeansContains: Bool = true) throws(K2Error) {
        self.or = or
        self.hashMeansContains = hashMeansContains
        self.conditions = []
        guard let text, !text.isEmpty else { return }
        for part in try Self.split(text, on: ",") {
            let pieces = try Self.split(part.text, on: ";")
            guard pieces.count >= 2 else {
                throw K2Error(.requestError, "Invalid condition '\(part.text)'.", status: 400)
            }
            var op = Substring(pieces[1].text)
            let negate = op.hasPrefix("!")
            if negate { op = op.dropFirst() }
            let name = String(op.prefix { $0.isLetter }).uppercased()
            let flags = Set(op.dropFirst(name.count))
            let operands = pieces.dropFirst(2).map(\.text)
            let arity: ClosedRange<Int>
            switch name {
            case "LT", "LE", "GT", "GE", "EQ", "NE":
                guard flags.isSubset(of: ["@"]) else {
                    throw K2Error(.requestError, "Invalid operator '\(op)'.", status: 400)
                }
                arity = 1...1
            case "LIKE":
                guard flags.isSubset(of: ["*", "^", "#"]) else {
                    throw K2Error(.requestError, "Invalid operator '\(op)'.", status: 400)
                }
                arity = 1...1
            case "EMPTY": arity = 0...0
            case "IN": arity = 1...10_000
            case "BETWEEN": arity = 2...2
            default: throw K2Error(.requestError, "Invalid operator '\(op)'.", status: 400)
            }
            guard arity.contains(operands.count) else {
                throw K2Error(.requestError, "Wrong number of operands in condition '\(part.text)'.", status: 400)
            }
            self.conditions.append(
                Condition(field: pieces[0].text, negate: negate, op: name, flags: flags, operands: operands))
        }
    }

    /// Whether `record` passes; unknown fields are a RequestError.
    func matches(_ record: Value.Object, in dataClass: K2Store.DataClass) throws(K2Error) -> Bool {
        guard !self.conditions.isEmpty else { return true }
        var results: [Bool] = []
        for condition in self.conditions {
            guard let field = dataClass.field(condition.field) else {
                throw K2Error(
                    .requestError, "Field '\(condition.field)' does not exist in class \(dataClass.name).", status: 400)
            }
            let value = record[field.name] ?? .null
            var operands = condition.operands
            if condition.flags.contains("@") {
                guard let other = dataClass.field(operands[0]) else {
                    throw K2Error(
                        .requestError, "Field '\(operands[0])' does not exist in class \(dataClass.name).", status: 400)
                }
                operands = [Self.text(record[other.name] ?? .null)]
            }
            let result: Bool
            switch condition.op {
            case "EMPTY": result = Self.text(value).isEmpty
            case "IN": result = operands.contains { Self.compare(value, $0) == 0 }
            case "BETWEEN": result = Self.compare(value, operands[0]) >= 0 && Self.compare(value, operands[1]) <= 0
            case "LIKE":
                result = Self.like(
                    Self.text(value), operands[0], flags: condition.flags, hashMeansContains: self.hashMeansContains)
            default:
                let c = Self.compare(value, operands[0])
                switch condition.op {
                case "LT": result = c < 0
                case "LE": result = c <= 0
                case "GT": result = c > 0
                case "GE": result = c >= 0
                case "EQ": result = c == 0
                default: result = c != 0
                }
            }
            results.append(condition.negate ? !result : result)
        }
        return self.or ? results.contains(true) : results.allSatisfy { $0 }
    }

    static func text(_ value: Value) -> String {
        switch value {
        case .string(let s): s
        case .number(let n): n
        case .bool(let b): b ? "true" : "false"
        default: ""
        }
    }

    /// Numbers compare numerically, everything else as text.
    static func compare(_ value: Value, _ operand: String) -> Int {
        if case .number(let n) = value, let a = Double(n), let b = Double(operand) {
            return a < b ? -1 : (a > b ? 1 : 0)
        }
        let a = Self.text(value)
        return a < operand ? -1 : (a > operand ? 1 : 0)
    }

    /// LIKE: `like_hash: contains` (the default) matches from the beginning of the text, `#`
    /// anywhere (a wildcard added before the value); `like_hash: starts_with` the other way round.
    /// `*` in the value is a wildcard only with the `*` flag; case-insensitive unless `^`.
    static func like(_ text: String, _ pattern: String, flags: Set<Character>, hashMeansContains: Bool = true) -> Bool {
        let caseSensitive = flags.contains("^")
        let t = Array(caseSensitive ? text : text.lowercased())
        var p = Array(caseSensitive ? pattern : pattern.lowercased()).map { ($0, $0 == "*" && flags.contains("*")) }
        p.append(("*", true))  // anything may follow
        if flags.contains("#") == hashMeansContains { p.insert(("*", true), at: 0) }
        func match(_ i: Int, _ j: Int) -> Bool {
            if j == p.count { return i == t.count }
            if p[j].1 { return match(i, j + 1) || (i < t.count && match(i + 1, j)) }
            return i < t.count && t[i] == p[j].0 && match(i + 1, j + 1)
        }
        return match(0, 0)
    }
}

/// An answer in K2's error format: `[ErrorKind]ErrorText` as text/plain.
struct K2Error: Error {
    /// The seven ErrorKind values of seed 003.
    enum Kind: String, CaseIterable {
        case as3Message = "AS3Message"
        case as3Warning = "AS3Warning"
        case as3Error = "AS3Error"
        case as3Terminated = "AS3Terminated"
        case requestError = "RequestError"
        case communicationError = "CommunicationError"
        case unknownError = "UnknownError"
    }

    var kind: Kind
    var text: String
    var status: Int

    init(_ kind: Kind, _ text: String, status: Int) {
        self.kind = kind
        self.text = text
        self.status = status
    }
}
