import GatehouseCore
import Testing

@Suite struct JSONTests {
    @Test func roundTripKeepsOrderAndNumberText() throws {
        let text = #"{"z":1,"a":[true,false,null,1.50,-0.0e+3],"m":{"k":"v\n\"q\"\u0001"}}"#
        let value = try JSON.parse(text)
        #expect(value.objectValue?.keys == ["z", "a", "m"])
        #expect(JSON.serialize(value) == #"{"z":1,"a":[true,false,null,1.50,-0.0e+3],"m":{"k":"v\n\"q\"\u0001"}}"#)
    }

    /// 200k object keys and 200k array items parse and serialize back unchanged. (How long it
    /// takes is a benchmark figure, `make bench`, not a test.)
    @Test func twoHundredThousandKeysAndItemsRoundTrip() throws {
        let object = "{" + (0..<200_000).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}"
        let tree = try JSON.parse(object)
        #expect(tree.objectValue?.members.count == 200_000)
        #expect(tree.objectValue?.members[199_999] == .init("k199999", 199_999))
        #expect(JSON.serialize(tree) == object)
        let array = "[" + (0..<200_000).map(String.init).joined(separator: ",") + "]"
        let items = try JSON.parse(array)
        #expect(items.arrayValue?.count == 200_000)
        #expect(JSON.serialize(items) == array)
    }

    /// Every character that must be escaped is, lowercase `\u00XX` for the other control
    /// characters, and everything else (non-ASCII included) is written as its UTF-8 bytes.
    @Test func stringsAreEscapedExactlyWhereTheyMustBe() throws {
        let text = "a\"b\\c/\n\r\t\u{01}\u{1F}\u{7F}é😀 end"
        let serialized = JSON.serialize(.object(["k\"": .string(text), "plain": .string("no escapes at all")]))
        #expect(
            serialized == #"{"k\"":"a\"b\\c/\n\r\t\u0001\u001f\#u{7F}é😀 end","plain":"no escapes at all"}"#)
        #expect(JSON.serializeBytes(.string(text)) == Array(#""a\"b\\c/\n\r\t\u0001\u001f\#u{7F}é😀 end""#.utf8))
        #expect(try JSON.parse(serialized).objectValue?["k\""] == .string(text))
    }

    @Test func unicodeEscapesAndSurrogates() throws {
        let value = try JSON.parse(#"["\u00e9\ud83d\ude00", "ß"]"#)
        #expect(value == .array([.string("é😀"), .string("ß")]))
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "01", "1.", "\"\\x\"", "\"\u{01}\"", "[1] 2", "\"\\ud800\"", "tru", "{1:2}",
    ])
    func invalidDocumentsAreRefused(text: String) {
        #expect(throws: JSON.ParseError.self) { try JSON.parse(text) }
    }

    @Test func errorNamesLineAndColumn() {
        do {
            _ = try JSON.parse("{\n  \"a\": x\n}")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 2)
            #expect(error.column == 8)
        }
    }

    @Test func depthIsLimited() {
        let deep = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(throws: JSON.ParseError.self) { try JSON.parse(deep) }
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect((try? JSON.parse(fine)) != nil)
    }
}
