import GatehouseCore
import GatehouseXML
import Testing

/// What the writer does with caller JSON that XML cannot carry as given (found by `make fuzz`,
/// target `xml`: JSON written as XML must always be well-formed).
@Suite struct XMLSerializeTests {
    /// Writes `json` as XML and reads it back; the writer must never produce a document the reader refuses.
    func written(_ json: String) throws -> (text: String, tree: Value) {
        let text = try XML.serialize(try JSON.parse(json), root: "arguments")
        return (text, try XML.parse(text))
    }

    @Test(arguments: ["a\u{D7}", "\u{B7}a", "a\u{2028}b", "a b", "1a", ":a", "a:"])
    func namesOutsideXMLsNameCharactersAreRefused(name: String) throws {
        let json = JSON.serialize(.object(Value.Object([.init(name, .string("v"))])))
        #expect(throws: XMLError.self) { try XML.serialize(try JSON.parse(json), root: "arguments") }
    }

    @Test(arguments: ["\u{E9}l\u{E8}ve", "a\u{B7}b", "x-1.y_z", "K2:Name", "\u{4E2D}\u{6587}"])
    func xmlNamesBeyondASCIIAreWritten(name: String) throws {
        let json = JSON.serialize(.object(Value.Object([.init(name, .string("v"))])))
        let (_, tree) = try self.written(json)
        #expect(tree["arguments"]?[name] == "v")
    }

    @Test func charactersXMLCannotCarryAreDroppedFromTextAttributesAndCDATA() throws {
        let (text, tree) = try self.written(
            ##"{"a":"x\uFFFEy\uFFFF","b":{"@c":"1\u0001\uFFFE2","#cdata-section":"p\u0002q\uFFFF"}}"##)
        #expect(!text.unicodeScalars.contains { $0.value == 0xFFFE || $0.value == 0xFFFF || $0.value < 0x09 })
        #expect(tree["arguments"]?["a"] == "xy")
        #expect(tree["arguments"]?["b"] == ["@c": "12", "#cdata-section": "pq"])
    }

    @Test func aRepeatedAttributeIsRefused() {
        #expect(throws: XMLError.self) { try XML.serialize(try JSON.parse(#"{"@x":"1","@x":"2"}"#), root: "a") }
    }
}
