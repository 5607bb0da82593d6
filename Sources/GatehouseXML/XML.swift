import CGatehouseXML2
import GatehouseCore

/// XML <-> ``Value`` through libxml2, with Newtonsoft's convention (the one K2 and Keyfax use):
/// attributes as `"@name"`, text beside attributes as `"#text"`, CDATA as `"#cdata-section"`,
/// repeated elements as arrays, a leaf element as its text, an empty one as `null`. Prefixes and
/// namespace declarations are kept as written (`"i:type"`, `"@xmlns:a"`).
///
/// Parsing is safe by construction: no network, no DTD loading, no entity substitution, and a
/// document with a DOCTYPE is refused outright (so no entity can be declared: no XXE, no billion
/// laughs); input size, element depth and the distinct names a document may bring (about 85 KB
/// of them: libxml2 2.9's name dictionary turns quadratic past a few thousand) are capped.
/// Reading the tree is linear in the number of elements, siblings included.
///
/// ```swift
/// let tree = try XML.parse(Array("<a x=\"1\">t</a>".utf8))   // {"a": {"@x": "1", "#text": "t"}}
/// let text = try XML.serialize(tree)                           // <a x="1">t</a>
/// ```
public enum XML {
    /// Largest document parsed by default (16 MiB).
    public static let maximumBytes = 16 * 1024 * 1024
    /// Deepest element nesting accepted by default.
    public static let maximumDepth = 64

    /// Parses a document into `{"rootName": value}`.
    public static func parse(
        _ bytes: some Collection<UInt8>,
        maximumBytes: Int = XML.maximumBytes,
        maximumDepth: Int = XML.maximumDepth
    ) throws(XMLError) -> Value {
        guard bytes.count <= maximumBytes else {
            throw XMLError("the document exceeds \(maximumBytes) bytes", line: 0, column: 0)
        }
        guard !bytes.isEmpty else { throw XMLError("the document is empty", line: 1, column: 1) }
        let array = Array(bytes)
        let result = array.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { gh_xml_parse($0.baseAddress, Int32($0.count)) }
        }
        guard let doc = result.doc else {
            let message = withUnsafeBytes(of: result.message) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            throw XMLError(
                message.isEmpty ? "not well-formed" : message, line: Int(result.line), column: Int(result.column))
        }
        defer { xmlFreeDoc(doc) }
        guard let root = xmlDocGetRootElement(doc) else {
            throw XMLError("the document has no root element", line: 1, column: 1)
        }
        var tree = TreeReader(maximumDepth: maximumDepth)
        let value = try tree.element(root, depth: 1)
        return .object(Value.Object([.init(Self.name(of: root), value)]))
    }

    /// Parses text; see ``parse(_:maximumBytes:maximumDepth:)``.
    public static func parse(_ text: String) throws(XMLError) -> Value {
        try Self.parse(Array(text.utf8))
    }

    /// `prefix:name` or `name`.
    static func name(of node: UnsafeMutablePointer<xmlNode>) -> String {
        let local = node.pointee.name.map { String(cString: $0) } ?? ""
        if let ns = node.pointee.ns, let prefix = ns.pointee.prefix { return String(cString: prefix) + ":" + local }
        return local
    }
}
