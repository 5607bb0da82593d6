import GatehouseCore

extension XML {
    /// Writes `{"rootName": value}` as a document (UTF-8, with an XML declaration).
    public static func serialize(_ value: Value) throws(XMLError) -> String {
        guard case .object(let object) = value, object.members.count == 1, let root = object.members.first else {
            throw XMLError("an XML document needs an object with exactly one member, the root element", line: 0, column: 0)
        }
        return try Self.serialize(root.value, root: root.key)
    }

    /// Writes `value` as the document element `root`.
    public static func serialize(_ value: Value, root: String) throws(XMLError) -> String {
        if case .array = value { throw XMLError("the root element cannot be an array", line: 0, column: 0) }
        var out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
        try Self.write(value, name: root, into: &out, depth: 1)
        return out
    }

    static func write(_ value: Value, name: String, into out: inout String, depth: Int) throws(XMLError) {
        guard depth <= Self.maximumDepth * 4 else { throw XMLError("the value is nested too deeply for XML", line: 0, column: 0) }
        try Self.checkName(name)
        switch value {
        case .array(let items):
            for item in items {
                if case .array = item { throw XMLError("\"\(name)\" holds an array in an array, which XML cannot express", line: 0, column: 0) }
                try Self.write(item, name: name, into: &out, depth: depth + 1)
            }
        case .null:
            out += "<\(name)/>"
        case .bool(let b):
            out += "<\(name)>\(b)</\(name)>"
        case .number(let n):
            out += "<\(name)>\(n)</\(name)>"
        case .string(let s):
            out += "<\(name)>"
            Self.escape(s, into: &out, attribute: false)
            out += "</\(name)>"
        case .object(let object):
            out += "<\(name)"
            for member in object.members where member.key.hasPrefix("@") {
                let attribute = String(member.key.dropFirst())
                try Self.checkName(attribute)
                out += " \(attribute)=\""
                Self.escape(Self.scalarText(member.value), into: &out, attribute: true)
                out += "\""
            }
            let content = object.members.filter { !$0.key.hasPrefix("@") }
            if content.isEmpty {
                out += "/>"
                return
            }
            out += ">"
            for member in content {
                switch member.key {
                case "#text":
                    Self.escape(Self.scalarText(member.value), into: &out, attribute: false)
                case "#cdata-section":
                    // "]]>" cannot occur inside one section: split it across two.
                    out += "<![CDATA[" + Self.scalarText(member.value).replacingOccurrences(of: "]]>", with: "]]]]><![CDATA[>") + "]]>"
                default:
                    try Self.write(member.value, name: member.key, into: &out, depth: depth + 1)
                }
            }
            out += "</\(name)>"
        }
    }

    static func scalarText(_ value: Value) -> String {
        switch value {
        case .string(let s): s
        case .number(let n): n
        case .bool(let b): b ? "true" : "false"
        case .null: ""
        case .array, .object: JSON.serialize(value)
        }
    }

    /// Element and attribute names: an XML name (ASCII subset), optionally prefixed.
    static func checkName(_ name: String) throws(XMLError) {
        let bytes = Array(name.utf8)
        func isStart(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 || b >= 0x80 }
        func isPart(_ b: UInt8) -> Bool { isStart(b) || (b >= 48 && b <= 57) || b == 45 || b == 46 || b == 58 }
        guard let first = bytes.first, isStart(first), bytes.allSatisfy(isPart), bytes.last != 58 else {
            throw XMLError("\"\(name.prefix(64))\" is not a valid XML name", line: 0, column: 0)
        }
    }

    static func escape(_ text: String, into out: inout String, attribute: Bool) {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            case "\n" where attribute: out += "&#10;"
            case "\r": out += "&#13;"
            case "\t" where attribute: out += "&#9;"
            default:
                // Control characters XML 1.0 cannot carry are dropped rather than written invalidly.
                if scalar.value < 0x20, scalar != "\n", scalar != "\t" { continue }
                out.unicodeScalars.append(scalar)
            }
        }
    }
}
