import CGatehouseXML2
import GatehouseCore

/// Walks a parsed libxml2 tree into a ``Value`` with the `@attr` / `#text` / `#cdata-section`
/// convention, counting depth.
struct TreeReader {
    let maximumDepth: Int

    init(maximumDepth: Int) { self.maximumDepth = maximumDepth }

    mutating func element(_ node: UnsafeMutablePointer<xmlNode>, depth: Int) throws(XMLError) -> Value {
        guard depth <= self.maximumDepth else {
            throw XMLError(
                "elements are nested deeper than \(self.maximumDepth)", line: Int(xmlGetLineNo(node)), column: 0)
        }
        // Members are collected in an array with an index by key, so that neither a lookup
        // (`Value.Object` is a linear list) nor growing a repeated element's array copies
        // anything: 200k siblings cost what 200k nested elements do.
        var members = Members()
        var namespace = node.pointee.nsDef
        while let ns = namespace {
            let key = ns.pointee.prefix.map { "@xmlns:" + String(cString: $0) } ?? "@xmlns"
            members.set(key, .string(ns.pointee.href.map { String(cString: $0) } ?? ""))
            namespace = ns.pointee.next
        }
        var attribute = node.pointee.properties
        while let attr = attribute {
            var name = attr.pointee.name.map { String(cString: $0) } ?? ""
            if let ns = attr.pointee.ns, let prefix = ns.pointee.prefix { name = String(cString: prefix) + ":" + name }
            members.set("@" + name, .string(Self.text(of: attr.pointee.children)))
            attribute = attr.pointee.next
        }
        let attributeCount = members.count
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
                // Appended in place: `cdata = (cdata ?? "") + more` would copy it each time.
                if cdata == nil { cdata = "" }
                cdata! += current.pointee.content.map { String(cString: $0) } ?? ""
            default:
                break  // comments, processing instructions
            }
            child = current.pointee.next
        }
        // Whitespace between child elements is layout, not content.
        let hasText = children.isEmpty ? !text.isEmpty : !text.allSatisfy(\.isWhitespace)
        if attributeCount == 0, children.isEmpty, cdata == nil {
            return hasText ? .string(text) : .null
        }
        if hasText { members.set("#text", .string(text)) }
        if let cdata { members.set("#cdata-section", .string(cdata)) }
        for (name, value) in children {
            members.add(name, value)
        }
        return .object(members.object)
    }

    /// An element's members under construction: document order plus an index by key. Repeated
    /// child elements gather in a side array per key, turned into `.array` once at the end.
    struct Members {
        private var order: [(key: String, value: Value)] = []
        private var index: [String: Int] = [:]
        /// Repeated elements: position in `order` → every value, in order.
        private var repeated: [Int: [Value]] = [:]

        var count: Int { self.order.count }

        /// Sets `key` (attributes, `#text`): replaces an earlier value, else appends.
        mutating func set(_ key: String, _ value: Value) {
            if let position = self.index[key] {
                self.order[position].value = value
                self.repeated[position] = nil
            } else {
                self.index[key] = self.order.count
                self.order.append((key, value))
            }
        }

        /// Adds a child element: the first of a name is its value; later ones make it an array.
        mutating func add(_ key: String, _ value: Value) {
            guard let position = self.index[key] else {
                self.index[key] = self.order.count
                self.order.append((key, value))
                return
            }
            if self.repeated[position] != nil {
                self.repeated[position]!.append(value)
            } else {
                self.repeated[position] = [self.order[position].value, value]
            }
        }

        var object: Value.Object {
            var members: [Value.Object.Member] = []
            members.reserveCapacity(self.order.count)
            for (position, member) in self.order.enumerated() {
                if let values = self.repeated[position] {
                    members.append(.init(member.key, .array(values)))
                } else {
                    members.append(.init(member.key, member.value))
                }
            }
            return Value.Object(members)
        }
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
