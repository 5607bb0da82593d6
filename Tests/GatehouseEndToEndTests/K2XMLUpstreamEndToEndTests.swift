import Foundation
import GatehouseCore
import GatehouseK2Simulator
import GatehouseTestSupport
import HTTPTypes
import Testing

/// `options.format: xml`: the gateway speaks K2's `/xml/` mode upstream; callers see the same
/// records as in JSON mode. The simulator refuses XML writes whose values lack a fitting `i:type`.
@Suite(.timeLimit(.minutes(3))) struct K2XMLUpstreamEndToEndTests {
    @Test func listAndGetGiveTheSameRecordsAsJSONMode() async throws {
        let json = try await K2Harness.start()
        let xml = try await K2Harness.start(options: "{ format: xml, max_concurrency: 3 }")
        var arguments: Value = [
            "class": "Part", "fields": ["PartnerId", "Name", "Credit"], "order_by": ["PartnerId"], "page_size": 10,
            "filter": [["field": "PartnerId", "op": "LE", "value": 30]],
        ]
        var pages = 0
        var ids: [String] = []
        while true {
            let fromXML = try await xml.call("data.list", arguments)
            #expect(fromXML.status == 200, "\(fromXML.text)")
            if pages == 0 {
                let fromJSON = try await json.call("data.list", arguments)
                #expect(fromXML.json["data"] == fromJSON.json["data"])
                #expect(fromXML.json["meta"]?["requested_fields"] == fromJSON.json["meta"]?["requested_fields"])
                #expect(
                    fromXML.json["data"]?.arrayValue?.first
                        == [
                            "class": "Part", "keys": ["1"], "fields": ["PartnerId": 1, "Name": "Shell Oil Company"],
                            "no_permission": ["Credit"],
                        ])
            }
            pages += 1
            for record in fromXML.json["data"]?.arrayValue ?? [] {
                ids.append(record["keys"]?.arrayValue?.first?.stringValue ?? "?")
            }
            guard let cursor = fromXML.json["page"]?["next"]?.stringValue, pages < 5 else { break }
            arguments = ["cursor": .string(cursor)]
        }
        #expect(pages == 3)
        #expect(ids == (1...30).map(String.init))

        let order: Value = [
            "class": "Order", "keys": ["OV", 1], "fields": ["Description", "PartnerId", "TimeStamp", "Items"],
        ]
        let orderXML = try await xml.call("data.get", order)
        let orderJSON = try await json.call("data.get", order)
        #expect(orderXML.status == 200, "\(orderXML.text)")
        #expect(orderXML.json["data"] == orderJSON.json["data"])
        #expect(orderXML.json["data"]?["fields"]?["Items"]?.arrayValue?.count == 3)
        let meta = try await xml.call("meta.get", ["class": "Part"])
        let metaJSON = try await json.call("meta.get", ["class": "Part"])
        // Meta in the same shape (ItemURLs differ by the /xml/ path; empty texts come back as null).
        func summary(_ answer: TestClient.Answer) -> [Value] {
            (answer.json["data"]?["FieldList"]?.arrayValue ?? []).map {
                [$0["Name"] ?? .null, $0["ValueType"] ?? .null, $0["IsReadOnly"] ?? .null, $0["KeyIndex"] ?? .null]
            }
        }
        #expect(meta.json["data"]?["ClassName"] == "Part")
        #expect(meta.json["data"]?["IsHeader"] == true)
        #expect(!summary(meta).isEmpty)
        #expect(summary(meta) == summary(metaJSON))

        let seen = xml.k2.state.requests
        #expect(seen.allSatisfy { $0.verified && $0.url.contains("/restservice/xml/") })
        await json.finish()
        await xml.finish()
    }

    @Test func createAndUpdateWriteTypedXMLWithMetaReadOncePerClass() async throws {
        let h = try await K2Harness.start(options: "{ format: xml }")
        // Values arrive as text (as from an XML caller); the Meta types them: PartnerId and Quantity are Numeric.
        let created = try await h.call(
            "data.create",
            [
                "class": "Order",
                "fields": [
                    "Book": "OV", "Description": "Typed by Meta", "PartnerId": "5",
                    "Items": [["Text": "bolt", "Quantity": "2"]],
                ],
            ])
        #expect(created.status == 200, "\(created.text)")
        let keys = try #require(created.json["data"]?["keys"])
        let read = try await h.call(
            "data.get", ["class": "Order", "keys": keys, "fields": ["PartnerId", "Items", "TimeStamp"]])
        #expect(read.json["data"]?["fields"]?["PartnerId"] == 5)
        #expect(read.json["data"]?["fields"]?["Items"]?.arrayValue?.first?["fields"]?["Quantity"] == 2)

        let part = try await h.call(
            "data.get", ["class": "Part", "keys": [7], "fields": ["Name", "TimeStamp", "Credit"]])
        let record = try #require(part.json["data"])
        var fields = try #require(record["fields"]?.objectValue)
        fields["Name"] = "Renamed over XML"
        let updated = try await h.call(
            "data.update",
            ["class": "Part", "keys": ["7"], "fields": .object(fields), "no_permission": record["no_permission"]!])
        #expect(updated.status == 200, "\(updated.text)")
        #expect(updated.json["data"]?["fields"]?["Name"] == "Renamed over XML")
        fields["Name"] = "Lost update"
        let stale = try await h.call("data.update", ["class": "Part", "keys": ["7"], "fields": .object(fields)])
        #expect(stale.status == 409, "\(stale.text)")
        #expect(stale.errorCode == "conflict")
        let notANumber = try await h.call(
            "data.create", ["class": "Order", "fields": ["Book": "OV", "PartnerId": "five"]])
        #expect(notANumber.status == 400)
        #expect(notANumber.errorCode == "bad_request")

        func metaReads(_ className: String) -> Int {
            h.k2.state.requests.filter { $0.url.hasSuffix("/xml/Meta/" + className) }.count
        }
        #expect(metaReads("Order") == 1)
        #expect(metaReads("OrderItem") == 1)
        #expect(metaReads("Part") == 1)

        // K2 refuses a field: the cached Meta of Part is dropped and read again on the next write.
        let refreshed = try await h.call("data.get", ["class": "Part", "keys": [7], "fields": ["Name", "TimeStamp"]])
        var again = try #require(refreshed.json["data"]?["fields"]?.objectValue)
        again["Bogus"] = "x"
        let refused = try await h.call("data.update", ["class": "Part", "keys": ["7"], "fields": .object(again)])
        #expect(refused.status == 400, "\(refused.text)")
        #expect(refused.json["error"]?["upstream_kind"] == "RequestError")
        again["Bogus"] = nil
        again["Name"] = "After refresh"
        let after = try await h.call("data.update", ["class": "Part", "keys": ["7"], "fields": .object(again)])
        #expect(after.status == 200, "\(after.text)")
        #expect(metaReads("Part") == 2)
        await h.finish()
    }

    @Test func malformedUpstreamXMLIsA502() async throws {
        let h = try await K2Harness.start(options: "{ format: xml }")
        var broken = K2SimulatorState.Mode()
        broken.answer = "garbage-xml"
        h.k2.state.mode = broken
        for (operation, arguments) in [
            ("data.list", ["class": "Part"] as Value), ("data.get", ["class": "Part", "keys": [5]]), ("meta.list", [:]),
        ] {
            let result = try await h.call(operation, arguments)
            #expect(result.status == 502, "\(result.text)")
            #expect(result.errorCode == "upstream_error")
            #expect(result.json["error"]?["message"]?.stringValue?.contains("not valid XML") == true, "\(result.text)")
        }
        h.k2.state.mode = K2SimulatorState.Mode()
        let healthy = try await h.call("data.get", ["class": "Part", "keys": [5], "fields": "Abbr"])
        #expect(healthy.status == 200, "the gateway survived: \(healthy.text)")
        #expect(healthy.json["data"]?["fields"]?["Abbr"] == "DEMO TRADE")
        await h.finish()
    }

    @Test func aLongFilterUsesASignedPostToGetListWithTheSameResults() async throws {
        // ~120 conditions that exclude nothing, then PartnerId <= 12: a URL far over 2000 characters.
        var filter: [Value] = (0..<120).map { i in
            ["field": "Name", "op": "NE", "value": .string("No such partner name \(i)")]
        }
        filter.append(["field": "PartnerId", "op": "LE", "value": 12])
        let arguments: Value = [
            "class": "Part", "fields": ["PartnerId", "Name"], "order_by": ["PartnerId"], "page_size": 50,
            "filter": .array(filter),
        ]

        let viaGet = try await K2Harness.start(options: "{ get_list_threshold: 100000 }")
        let expected = try await viaGet.call("data.list", arguments)
        #expect(expected.status == 200, "\(expected.text)")
        #expect(expected.json["data"]?.arrayValue?.count == 12)
        #expect(viaGet.k2.state.requests.last?.method == "GET")
        await viaGet.finish()

        for options in ["{ auth: header }", "{ auth: x-auth }", "{ format: xml }"] {
            let h = try await K2Harness.start(options: options)
            let answer = try await h.call("data.list", arguments)
            #expect(answer.status == 200, "\(options): \(answer.text)")
            #expect(answer.json["data"] == expected.json["data"], "\(options)")
            let seen = try #require(h.k2.state.requests.last)
            #expect(seen.method == "POST")
            #expect(seen.url.contains("/Data/GetList/Part"))
            #expect(seen.url.utf8.count < 2000)
            #expect(seen.verified, "\(options): the POST was signed")
            #expect(h.k2.state.requests.count == 1)

            // Pages of a GetList listing continue through POST bodies, never the over-long GET.
            var first = try #require(arguments.objectValue)
            first["page_size"] = 5
            var paged = Value.object(first)
            var ids: [String] = []
            var pages = 0
            while pages < 5 {
                let page = try await h.call("data.list", paged)
                #expect(page.status == 200, "\(options): \(page.text)")
                pages += 1
                ids += (page.json["data"]?.arrayValue ?? []).compactMap { $0["keys"]?.arrayValue?.first?.stringValue }
                guard let next = page.json["page"]?["next"]?.stringValue else { break }
                paged = ["cursor": .string(next)]
            }
            #expect(pages == 3, "\(options)")
            #expect(ids == (1...12).map(String.init), "\(options)")
            let listing = h.k2.state.requests.dropFirst()
            #expect(listing.count == 3)
            #expect(
                listing.allSatisfy {
                    $0.method == "POST" && $0.url.contains("/Data/GetList/Part") && $0.url.utf8.count < 2000
                        && $0.verified
                }, "\(options)")
            await h.finish()
        }
    }

    @Test func formationInputIsWrittenInDataContractOrderAndOutOfOrderMembersAreSkipped() async throws {
        let h = try await K2Harness.start(options: "{ format: xml }")
        // Through the adapter: CurrentPrimaryKey, Conditions and DataObjectName all reach K2.
        let selected = try await h.call(
            "formation.run",
            [
                "folder": "Special", "name": "ExampleWS", "class": "TD_Part", "key": ["CisPart": 5],
                "or_operator": false,
                "parameters": ["ParamText": "Zadaný text", "ParamCislo": 12345],
            ])
        #expect(selected.status == 200, "\(selected.text)")
        #expect(
            selected.json["data"]?["parameters"]?["Output"]
                == "Values were passed: ParamText=Zadaný text, ParamCislo=12345, Output=, AktDM=DEMO TRADE")

        // Straight to the simulator (signed by the gateway's proxy): a FormationInput with
        // DataObjectName before CurrentPrimaryKey loses the key, as .NET's DataContractSerializer drops it.
        func post(_ body: String) async throws -> String {
            let answer = try await h.client.send(
                .post, h.gateway.baseURL + "/proxy/k2/xml/Formation/Special/ExampleWS/pas",
                headers: ["Authorization": "Bearer \(h.key)", "Content-Type": "application/xml; charset=utf-8"],
                body: Array(body.utf8))
            #expect(answer.status == 200, "\(answer.text)")
            return answer.text
        }
        let key =
            """
            <CurrentPrimaryKey><Segment><Name>CisPart</Name><Value \
            i:type=\"t:integer\">5</Value></Segment></CurrentPrimaryKey>
            """
        let name = "<DataObjectName>TD_Part</DataObjectName>"
        let open =
            """
            <FormationInput xmlns=\"K2.Data\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\" \
            xmlns:t=\"http://www.w3.org/2001/XMLSchema\">
            """
        let inOrder = try await post(open + key + name + "</FormationInput>")
        #expect(inOrder.contains("AktDM=DEMO TRADE"), "\(inOrder)")
        let outOfOrder = try await post(open + name + key + "</FormationInput>")
        #expect(!outOfOrder.contains("AktDM"), "\(outOfOrder)")
        await h.finish()
    }
}
