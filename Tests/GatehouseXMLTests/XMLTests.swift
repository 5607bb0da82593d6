import GatehouseCore
import GatehouseXML
import Testing

@Suite struct XMLTests {
    /// The seed's POST body for ExampleWS (FormationInput), verbatim.
    static let formationInput = """
        <FormationInput xmlns="K2.Data" xmlns:i="http://www.w3.org/2001/XMLSchema-instance" \
        xmlns:t="http://www.w3.org/2001/XMLSchema">
        <CurrentPrimaryKey>
        <Segment>
        <Name>CisPart</Name>
        <Value i:type="t:integer">5</Value>
        </Segment>
        </CurrentPrimaryKey>
        <DataObjectName>TD_Part</DataObjectName>
        <Parameters>
        <Parameter>
        <Name>ParamText</Name>
        <Value i:type="t:string">Zadaný text</Value>
        </Parameter>
        <Parameter>
        <Name>ParamCislo</Name>
        <Value i:type="t:integer">12345</Value>
        </Parameter>
        </Parameters>
        </FormationInput>
        """

    /// The seed's update with a deleted child item (DataObjectWrapper).
    static let deleteItem = """
        <DataObjectWrapper xmlns="K2.Data" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
        <DOClassName>Part</DOClassName>
        <FieldValues>
        <NameValue>
        <Name>ListBusinessChild</Name>
        <Value i:type="ChildDataObjectWrapper">
        <Items>
        <Item>
        <DOClassName>MBusiness</DOClassName>
        <Deleted>true</Deleted>
        <FieldValues>
        <NameValue>
        <Name>RID</Name>
        <Value i:type="a:long" xmlns:a="http://www.w3.org/2001/XMLSchema">8495445311489</Value>
        </NameValue>
        </FieldValues>
        </Item>
        </Items>
        </Value>
        </NameValue>
        </FieldValues>
        </DataObjectWrapper>
        """

    @Test func theSeedsFormationInputKeepsNamespacesTypesAndRepeatedElements() throws {
        let tree = try XML.parse(Self.formationInput)
        let input = try #require(tree["FormationInput"])
        #expect(input["@xmlns"] == "K2.Data")
        #expect(input["@xmlns:t"] == "http://www.w3.org/2001/XMLSchema")
        #expect(input["CurrentPrimaryKey"]?["Segment"]?["Value"] == ["@i:type": "t:integer", "#text": "5"])
        #expect(input["DataObjectName"] == "TD_Part")
        let parameters = try #require(input["Parameters"]?["Parameter"]?.arrayValue)
        #expect(parameters.count == 2)
        #expect(parameters[0]["Value"]?["#text"] == "Zadaný text")
    }

    @Test(arguments: [
        formationInput, deleteItem, "<a x=\"1\">t<![CDATA[<b> & ]]]]><![CDATA[>]]></a>",
        "<r><e/><e>x</e><e a=\"&quot;\"/></r>",
    ])
    func roundTripsKeepTheTree(_ document: String) throws {
        let tree = try XML.parse(document)
        let again = try XML.parse(try XML.serialize(tree))
        #expect(again == tree)
    }

    /// 200k siblings: one repeated name gathers into one array in document order, distinct
    /// names stay separate members in order, and attributes, text and CDATA keep their places.
    /// (How long it takes is a benchmark figure, `make bench`, not a test.)
    @Test func twoHundredThousandSiblingsReadCorrectly() throws {
        var repeated = "<r a=\"1\">"
        for index in 0..<200_000 { repeated += "<e>\(index)</e>" }
        repeated += "<![CDATA[c1]]><f/><![CDATA[c2]]></r>"
        let tree = try XML.parse(repeated)
        let root = try #require(tree["r"]?.objectValue)
        #expect(root.keys == ["@a", "#cdata-section", "e", "f"])
        let items = try #require(root["e"]?.arrayValue)
        #expect(items.count == 200_000)
        #expect(items.first == "0")
        #expect(items[123_456] == "123456")
        #expect(items.last == "199999")
        #expect(root["#cdata-section"] == "c1c2")

        // 200k siblings of 5,000 distinct names: each name gathers its 40 in order.
        var distinct = "<r>"
        for index in 0..<200_000 { distinct += "<e\(index % 5_000)>\(index)</e\(index % 5_000)>" }
        distinct += "</r>"
        let members = try #require(try XML.parse(distinct)["r"]?.objectValue?.members)
        #expect(members.count == 5_000)
        #expect(members[4_999].key == "e4999")
        #expect(members[7].value.arrayValue?.count == 40)
        #expect(members[7].value.arrayValue?.last == "195007")
    }

    /// libxml2 2.9's name dictionary turns quadratic past a few thousand distinct names: a
    /// document of 50k distinct element (or attribute) names, four times the budget, is refused,
    /// saying why, rather than parsed for seconds.
    @Test func aFloodOfDistinctNamesIsRefused() throws {
        for element in [true, false] {
            var text = "<r>"
            for index in 0..<50_000 { text += element ? "<e\(index)/>" : "<e a\(index)=\"1\"/>" }
            text += "</r>"
            #expect {
                try XML.parse(text)
            } throws: { error in
                "\(error)".contains("too many distinct element and attribute names")
            }
        }
        // A malformed document is still reported as such.
        #expect {
            try XML.parse("<r><a></b></r>")
        } throws: { error in
            !"\(error)".contains("distinct")
        }
    }

    @Test func theSeedsDeletedItemReadsAsNestedObjects() throws {
        let tree = try XML.parse(Self.deleteItem)
        let value = tree["DataObjectWrapper"]?["FieldValues"]?["NameValue"]?["Value"]
        #expect(value?["@i:type"] == "ChildDataObjectWrapper")
        #expect(value?["Items"]?["Item"]?["Deleted"] == "true")
        #expect(
            value?["Items"]?["Item"]?["FieldValues"]?["NameValue"]?["Value"]?["@xmlns:a"]
                == "http://www.w3.org/2001/XMLSchema")
    }

    @Test func cdataAndTextBesideAttributesFollowTheConvention() throws {
        let tree = try XML.parse("<a x=\"1\">text<![CDATA[<raw>]]></a>")
        #expect(tree == ["a": ["@x": "1", "#text": "text", "#cdata-section": "<raw>"]])
        #expect(try XML.parse("<a><b/></a>") == ["a": ["b": nil]])
    }

    @Test func malformedXMLNamesLineAndColumn() {
        #expect {
            try XML.parse("<a>\n  <b></c>\n</a>")
        } throws: { error in
            guard let error = error as? XMLError else { return false }
            return error.line == 2 && error.column > 0 && "\(error)".contains("line 2, column")
        }
    }

    @Test func externalEntitiesAreRefused() {
        let xxe = """
            <?xml version="1.0"?>
            <!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
            <r>&x;</r>
            """
        #expect(throws: XMLError.self) { try XML.parse(xxe) }
        let remote = "<!DOCTYPE r SYSTEM \"http://127.0.0.1:1/evil.dtd\"><r/>"
        #expect(throws: XMLError.self) { try XML.parse(remote) }
    }

    @Test func billionLaughsIsRefusedQuickly() {
        var doc = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
        for i in 1...9 {
            doc += "<!ENTITY lol\(i) \"" + String(repeating: "&lol\(i == 1 ? "" : String(i - 1));", count: 10) + "\">"
        }
        doc += "]><lolz>&lol9;</lolz>"
        // Refused, not expanded: a parser that expanded it would run out of memory or time here.
        #expect(throws: XMLError.self) { try XML.parse(doc) }
    }

    @Test func undeclaredEntitiesAreNotWellFormed() {
        #expect(throws: XMLError.self) { try XML.parse("<r>&undeclared;</r>") }
        #expect((try? XML.parse("<r>&amp;&lt;&#233;</r>")) == ["r": "&<é"])
    }

    @Test func depthAndSizeAreCapped() {
        let deep = String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100)
        #expect(throws: XMLError.self) { try XML.parse(Array(deep.utf8), maximumDepth: 64) }
        #expect(throws: XMLError.self) { try XML.parse(Array("<a>123456</a>".utf8), maximumBytes: 5) }
        #expect(throws: XMLError.self) { try XML.serialize(["bad name": "x"]) }
    }
}
