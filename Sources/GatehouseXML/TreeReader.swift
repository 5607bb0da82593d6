import CGatehouseXML2
import GatehouseCore

/// Walks a parsed libxml2 tree into a ``Value`` with the `@attr` / `#text` / `#cdata-section`
/// convention, counting depth.
struct TreeReader {
    let maximumDepth: Int

    init(maximumDepth: Int) { self.maximumDepth = maximumDepth }

    mutating func element(_ node: UnsafeMutablePointer<xmlNode>, depth: Int) throws(XMLError) -> Value {
        guard depth <= self.maximumDepth else {
            throw XMLError("elements are nested deeper than \(self.maximumDepth)", line: Int(xmlGetLineNo(node)), column: 0)
        }
        var object = Value.Object()
        var namespace = node.pointee.nsDef
        while let ns = namespace {
            let key = ns.pointee.prefix.map { "@xmlns:" + String(cString: $0) } ?? "@xmlns"
            object[key] = .string(ns.pointee.href.map { String(cString: $0) } ?? "")
            namespace = ns.pointee.next
        }
        var attribute = node.pointee.properties
        while let attr = attribute {
            var name = attr.pointee.name.map { String(cString: $0) } ?? ""
            if let ns = attr.pointee.ns, let prefix = ns.pointee.prefix { name = String(cString: prefix) + ":" + name }
            object["@" + name] = .string(Self.text(of: attr.pointee.children))
            attribute = attr.pointee.next
        }
        var text = ""
        var cdata: String?
        var children: [(String, Value)] = []
        var child = node.pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_ELEMENT_NODE:
                children.append((XML.name(of: current), try self.element(current, depth: depth + 1)))
            case XML_TEXT_NODE:
                text += current.pointee.content.map { String(cString: $0) } ?? ""
            case XML_CDATA_SECTION_NODE:
                cdata = (cdata ?? "") + (current.pointee.content.map { String(cString: $0) } ?? "")
            default:
                break  // comments, processing instructions
            }
            child = current.pointee.next
        }
        // Whitespace between child elements is layout, not content.
        let hasText = children.isEmpty ? !text.isEmpty : !text.allSatisfy(\.isWhitespace)
        if object.members.isEmpty, children.isEmpty, cdata == nil {
            return hasText ? .string(text) : .null
        }
        if hasText { object["#text"] = .string(text) }
        if let cdata { object["#cdata-section"] = .string(cdata) }
        for (name, value) in children {
            if let existing = object[name] {
                if case .array(var items) = existing {
                    items.append(value)
                    object[name] = .array(items)
                } else {
                    object[name] = .array([existing, value])
                }
            } else {
                object[name] = value
            }
        }
        return .object(object)
    }

    static func text(of node: UnsafeMutablePointer<xmlNode>?) -> String {
        var text = ""
        var current = node
        while let node = current {
            text += node.pointee.content.map { String(cString: $0) } ?? ""
            current = node.pointee.next
        }
        return text
    }
}
