import GatehouseCore
import Testing

/// The JSON Schema subset operations declare their arguments in, and the XML form read into it.
struct SchemaValidatorTests {
    static let condition = Schema.object(
        ["field": Schema.string(minLength: 1), "op": Schema.oneOf(["LT", "LE", "GT"]), "value": Schema.scalar()],
        required: ["field", "op"])
    static let arguments = Schema.object(
        [
            "class": Schema.string(minLength: 1), "filter": Schema.array(Self.condition),
            "page_size": Schema.integer(minimum: -1, maximum: 10_000),
            "keys": Schema.types(["array", "string", "integer"], ["items": Schema.types(["string", "number"])]),
            "flag": Schema.boolean(), "parameters": Schema.map(Schema.scalar()),
        ],
        required: ["class"])

    func violation(_ value: Value) -> String? {
        SchemaValidator.violation(of: value, against: Self.arguments)?.description
    }

    @Test func namesTheOffendingMemberAsAJSONPointer() {
        #expect(
            self.violation(["class": "Part", "filter": [["field": "Name", "op": "LIKE"]]])
                == "/filter/0/op: must be one of LT, LE, GT")
        #expect(
            self.violation(["class": "Part", "filter": [["field": "A", "op": "LT"], ["op": "LT"]]])
                == "/filter/1/field: is required")
        #expect(self.violation([:]) == "/class: is required")
        #expect(self.violation(["class": ""]) == "/class: must not be empty")
        #expect(self.violation(["class": 5]) == "/class: must be a string")
        #expect(
            self.violation(["class": "P", "colour": "red"])
                == "/colour: is not allowed (known: class, filter, page_size, keys, flag, parameters)")
        #expect(self.violation("text") == "(the arguments): must be an object")
        #expect(
            self.violation(["class": "P", "parameters": ["a/b~c": ["nested"]]])
                == "/parameters/a~1b~0c: must be a string, a number or a boolean")
    }

    @Test func checksAStringAgainstItsPattern() {
        let id = Schema.object(["id": Schema.string(pattern: "^[A-Za-z0-9-]+$")])
        #expect(SchemaValidator.violation(of: ["id": "ab-12"], against: id) == nil)
        #expect(
            SchemaValidator.violation(of: ["id": "a/b"], against: id)?.description == "/id: must match ^[A-Za-z0-9-]+$")
        #expect(
            SchemaValidator.violation(of: ["id": ""], against: id)?.description == "/id: must match ^[A-Za-z0-9-]+$")
        // Letters outside ASCII are not [A-Za-z].
        #expect(SchemaValidator.violation(of: ["id": "café"], against: id) != nil)
        // A pattern that does not compile accepts nothing (fail closed).
        let broken = Schema.string(pattern: "^[a-")
        #expect(SchemaValidator.violation(of: "a", against: broken)?.description == "(the arguments): must match ^[a-")
    }

    @Test func checksNumbersByValueAndWholeness() {
        #expect(self.violation(["class": "P", "page_size": 10_000]) == nil)
        #expect(self.violation(["class": "P", "page_size": .number("2.0")]) == nil)
        #expect(self.violation(["class": "P", "page_size": 10_001]) == "/page_size: must be at most 10000")
        #expect(self.violation(["class": "P", "page_size": -2]) == "/page_size: must be at least -1")
        #expect(self.violation(["class": "P", "page_size": .number("1.5")]) == "/page_size: must be an integer")
        #expect(self.violation(["class": "P", "page_size": .number("1e400")]) == "/page_size: must be an integer")
        #expect(self.violation(["class": "P", "page_size": "10"]) == "/page_size: must be an integer")
        #expect(self.violation(["class": "P", "keys": 5]) == nil)
        #expect(self.violation(["class": "P", "keys": ["A", 1]]) == nil)
        #expect(self.violation(["class": "P", "keys": [true]]) == "/keys/0: must be a string or a number")
    }

    @Test func aLongCallerKeyIsShortenedInTheMessage() throws {
        let key = String(repeating: "k", count: 10_000)
        let parameters = Value.object(Value.Object([.init(key, ["x"])]))
        let message = try #require(
            self.violation(.object(Value.Object([.init("class", "P"), .init("parameters", parameters)]))))
        #expect(message.count < 300)
        #expect(message.hasPrefix("/parameters/kkk"))
    }

    @Test func xmlArgumentsAreReadIntoTheJSONForm() {
        // <a><class>Part</class><page_size>3</page_size><keys><key>5</key></keys><flag>true</flag>
        //    <filter><condition><field>Name</field><op>LT</op><value>7</value></condition></filter></a>
        let xml: Value = [
            "class": "Part", "page_size": "3", "keys": ["key": "5"], "flag": "true",
            "filter": ["condition": ["field": "Name", "op": "LT", "value": "7"]], "parameters": "",
        ]
        let conformed = Schema.conformingXML(xml, to: Self.arguments)
        #expect(
            conformed == [
                "class": "Part", "page_size": 3, "keys": ["5"], "flag": true,
                "filter": [["field": "Name", "op": "LT", "value": "7"]], "parameters": [:],
            ])
        #expect(SchemaValidator.violation(of: conformed, against: Self.arguments) == nil)
        // Two conditions arrive as a repeated element; text that is no number stays text and is named.
        let two = Schema.conformingXML(
            [
                "class": "P", "filter": ["condition": [["field": "A", "op": "LT"], ["field": "B", "op": "GE"]]],
                "page_size": "many",
            ],
            to: Self.arguments)
        #expect(two["filter"]?.arrayValue?.count == 2)
        #expect(
            SchemaValidator.violation(of: two, against: Self.arguments)?.description
                == "/filter/1/op: must be one of LT, LE, GT")
        #expect(Schema.conformingXML(.null, to: Self.arguments) == [:])
    }
}
