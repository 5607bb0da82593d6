import GatehouseCore
@testable import GatehouseK2
import Testing

@Suite struct K2SignatureTests {
    @Test func headerVectorFromProtocols() {
        #expect(
            K2Signature.hash(
                url: "https://k2.example.cz/SWSORI/Data/Customer?fields=Id%2CName&pageSize=250", password: "secret")
                == "B/NxxHvlPlQlHEBY54mUKQ==")
    }

    @Test func headerVectorWithEscapes() {
        let url =
            "http://127.0.0.1:9102/restservice/Data/Part?fields=Name%2CID_NO&conditions=Name;LIKE*;%22Shell%20Oil*%22"
        #expect(
            K2Signature.uppercase(PercentEncoding.decode(url))
                == "HTTP://127.0.0.1:9102/RESTSERVICE/DATA/PART?FIELDS=NAME,ID_NO&CONDITIONS=NAME;LIKE*;\"SHELL OIL*\"")
        #expect(K2Signature.hash(url: url, password: "ANPassword") == "6J9YHgfNFGfKHoY8qbI7jw==")
        #expect(
            K2Signature.authorization(url: url, username: "AN1", password: "ANPassword")
                == "AN1:6J9YHgfNFGfKHoY8qbI7jw==")
    }

    @Test(arguments: [false, true]) func xAuthVectorWithoutEscapes(decode: Bool) {
        let url = "http://127.0.0.1:9102/restservice/Data/Part?fields=Name,ID_NO&pageSize=10"
        #expect(
            K2Signature.xAuthURL(url: url, username: "AN1", password: "ANPassword", decode: decode) == url
                + "&x-auth=AN1%3A6YcwGGIFAQWyVzdwlmXNyw%3D%3D")
    }

    @Test func xAuthVectorWithEscapesDependsOnTheKnob() {
        let url = "http://127.0.0.1:9102/restservice/Data/Part?fields=Name%2CID_NO"
        #expect(
            K2Signature.xAuthURL(url: url, username: "AN1", password: "ANPassword") == url
                + "&x-auth=AN1%3ANEz%2FNJmc8rVCV3L1ji8U9Q%3D%3D")
        #expect(
            K2Signature.xAuthURL(url: url, username: "AN1", password: "ANPassword", decode: true) == url
                + "&x-auth=AN1%3A4IDVwVWqbLrZScBfT3fE%2BQ%3D%3D")
    }

    @Test func uppercaseIsOneCharacterToOne() {
        #expect(K2Signature.uppercase("straße čeština") == "STRAßE ČEŠTINA")
    }
}

@Suite struct K2ConditionsTests {
    func build(_ filter: Value) throws -> String? { try K2Conditions.build(filter) }

    @Test func numbersStayBareAndEverythingElseIsQuoted() throws {
        let filter: Value = [
            ["field": "PartnerId", "op": "GT", "value": 10],
            [
                "field": "Abbr", "op": "LIKE", "value": "Shell*", "wildcards": true, "match": "contains",
                "case_sensitive": true,
            ],
            ["field": "ID_NO", "op": "EQ", "value": "10"],
        ]
        #expect(try self.build(filter) == "PartnerId;GT;10,Abbr;LIKE*^#;\"Shell*\",ID_NO;EQ;\"10\"")
    }

    @Test func matchWritesTheHashOnlyWhereTheConnectionsReadingGivesIt() throws {
        let contains: Value = [["field": "Name", "op": "LIKE", "value": "Oil", "match": "contains"]]
        let startsWith: Value = [["field": "Name", "op": "LIKE", "value": "Oil", "match": "starts_with"]]
        #expect(try K2Conditions.build(contains, likeHash: .contains) == "Name;LIKE#;\"Oil\"")
        #expect(try K2Conditions.build(startsWith, likeHash: .contains) == "Name;LIKE;\"Oil\"")
        #expect(try K2Conditions.build(contains, likeHash: .startsWith) == "Name;LIKE;\"Oil\"")
        #expect(try K2Conditions.build(startsWith, likeHash: .startsWith) == "Name;LIKE#;\"Oil\"")
        #expect(throws: GatewayError.self) {
            try K2Conditions.build([["field": "Name", "op": "LIKE", "value": "x", "match": "ends_with"]])
        }
    }

    @Test func everyOperatorAndFlag() throws {
        let filter: Value = [
            ["field": "City", "op": "EMPTY", "not": true],
            ["field": "Abbr", "op": "IN", "values": ["A", 2]],
            ["field": "PartnerId", "op": "BETWEEN", "values": [1, 5]],
            ["field": "Changed", "op": "ge", "other_field": "Created"],
            ["field": "Group.Abbr", "op": "NE", "value": true],
        ]
        #expect(
            try self.build(filter)
                == "City;!EMPTY,Abbr;IN;\"A\";2,PartnerId;BETWEEN;1;5,Changed;GE@;Created,Group.Abbr;NE;\"true\"")
    }

    @Test func delimitersInValuesCannotAddACondition() throws {
        let filter: Value = [["field": "Name", "op": "EQ", "value": "Smith, Jones; Partners"]]
        #expect(try self.build(filter) == "Name;EQ;\"Smith, Jones; Partners\"")
        let attempt: Value = [["field": "Name", "op": "EQ", "value": "x,PartnerId;GT;0"]]
        #expect(try self.build(attempt) == "Name;EQ;\"x,PartnerId;GT;0\"")
    }

    @Test(arguments: [
        [["field": "Name", "op": "EQ", "value": "x\",PartnerId;GT;\"0"]] as Value,
        [["field": "Name;GT;0,Abbr", "op": "EQ", "value": "x"]],
        [["field": "Name", "op": "EQ;1,Abbr;EQ", "value": "x"]],
        [["field": "PartnerId", "op": "GT", "other_field": "Abbr;EQ;1"]],
        [["field": "Name", "op": "EQ", "value": "x", "extra": "y"]],
        [["field": "Name", "op": "BETWEEN", "values": [1]]],
        [["field": "Name", "op": "EQ"]],
    ])
    func injectionAttemptsAndBadConditionsAreRefused(_ filter: Value) {
        #expect(throws: GatewayError.self) { try K2Conditions.build(filter) }
    }

    @Test func numbersOnlyFromJSONNumbers() throws {
        // A numeric literal can never carry a delimiter: JSON numbers are digits, sign, dot, exponent.
        #expect(try self.build([["field": "PartnerId", "op": "LT", "value": .number("1e3")]]) == "PartnerId;LT;1e3")
    }
}
