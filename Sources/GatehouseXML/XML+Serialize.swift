import GatehouseCore

extension XML {
    /// Writes `{"rootName": value}` as a document (UTF-8, with an XML declaration).
    public static func serialize(_ value: Value) throws(XMLError) -> String {
        guard case .object(let object) = value, object.members.count == 1, let root = object.members.first else {
            throw XMLError(
                "an XML document needs an object with exactly one member, the root element", line: 0, column: 0)
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
        guard depth <= Self.maximumDepth * 4 else {
            throw XMLError("the value is nested too deeply for XML", line: 0, column: 0)
        }
        try Self.checkName(name)
        switch value {
        case .array(let items):
            for item in items {
                if case .array = item {
                    throw XMLError(
                        "\"\(name)\" holds an array in an array, which XML cannot express", line: 0, column: 0)
                }
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
            var attributes: Set<String> = []
            for member in object.members where member.key.hasPrefix("@") {
                let attribute = String(member.key.dropFirst())
                try Self.checkName(attribute)
                // A JSON object may repeat a key; an element cannot repeat an attribute.
                guard attributes.insert(attribute).inserted else {
                    throw XMLError("attribute \"\(attribute.prefix(64))\" is given twice", line: 0, column: 0)
                }
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
                    // "]]>" cannot occur inside one section: split it across two. A CDATA section
                    // has no escapes, so characters XML cannot carry are dropped here too.
                    var text = Self.scalarText(member.value)
                    text.unicodeScalars.removeAll { !Self.isCharacter($0) }
                    out += "<![CDATA[" + text.replacingOccurrences(of: "]]>", with: "]]]]><![CDATA[>") + "]]>"
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

    /// Element and attribute names: an XML 1.0 name (fifth edition, as libxml2 reads it) that
    /// neither starts nor ends with the prefix colon.
    static func checkName(_ name: String) throws(XMLError) {
        let scalars = name.unicodeScalars
        guard let first = scalars.first, Self.isNameStart(first), first != ":", scalars.last != ":",
            scalars.allSatisfy(Self.isNameCharacter)
        else {
            throw XMLError("\"\(name.prefix(64))\" is not a valid XML name", line: 0, column: 0)
        }
    }

    /// XML 1.0 `NameStartChar`.
    static func isNameStart(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x3A, 0x41...0x5A, 0x5F, 0x61...0x7A, 0xC0...0xD6, 0xD8...0xF6, 0xF8...0x2FF, 0x370...0x37D,
            0x37F...0x1FFF,
            0x200C...0x200D, 0x2070...0x218F, 0x2C00...0x2FEF, 0x3001...0xD7FF, 0xF900...0xFDCF, 0xFDF0...0xFFFD,
            0x10000...0xEFFFF:
            true
        default: false
        }
    }

    /// XML 1.0 `NameChar`.
    static func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x2D, 0x2E, 0x30...0x39, 0xB7, 0x300...0x36F, 0x203F...0x2040: true
        default: Self.isNameStart(scalar)
        }
    }

    /// XML 1.0 `Char`: what a document may carry at all, escaped or not.
    static func isCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
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
                // Characters XML 1.0 cannot carry (controls, U+FFFE, U+FFFF) are dropped rather
                // than written invalidly.
                if !Self.isCharacter(scalar) { continue }
                out.unicodeScalars.append(scalar)
            }
        }
    }
}
