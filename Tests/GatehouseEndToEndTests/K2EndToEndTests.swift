import Foundation
import GatehouseCore
import GatehouseK2Simulator
import HTTPTypes
import GatehouseTestSupport
import GatehouseXML
import Testing

/// Every K2 operation through the real gateway against the real simulator, which verifies each
/// request's signature itself.
@Suite(.timeLimit(.minutes(3))) struct K2EndToEndTests {
    @Test func aThreePageListingSignsEveryPageAndMapsRecords() async throws {
        let h = try await K2Harness.start()
        var arguments: Value = [
            "class": "Part", "fields": ["PartnerId", "Name", "Credit"], "order_by": ["PartnerId"], "page_size": 10,
            "filter": [["field": "PartnerId", "op": "LE", "value": 30]],
        ]
        var ids: [String] = []
        var pages = 0
        while true {
            let answer = try await h.call("data.list", arguments)
            #expect(answer.status == 200, "\(answer.text)")
            pages += 1
            for record in answer.json["data"]?.arrayValue ?? [] {
                ids.append(record["keys"]?.arrayValue?.first?.stringValue ?? "?")
            }
            if pages == 1 {
                let first = answer.json["data"]?.arrayValue?.first
                #expect(
                    first == [
                        "class": "Part", "keys": ["1"], "fields": ["PartnerId": 1, "Name": "Shell Oil Company"],
                        "no_permission": ["Credit"],
                    ])
                #expect(answer.json["meta"]?["upstream_status"] == 200)
            }
            guard let cursor = answer.json["page"]?["next"]?.stringValue, pages < 5 else { break }
            arguments = ["cursor": .string(cursor)]
        }
        #expect(pages == 3)
        #expect(ids == (1...30).map(String.init))
        let seen = h.k2.state.requests
        #expect(seen.count == 3)
        #expect(seen.allSatisfy { $0.verified && $0.auth == "header" })
        #expect(seen.dropFirst().allSatisfy { $0.url.contains("pageState=") })
        await h.finish()
    }

    @Test func filterValuesWithDelimitersMatchExactlyAndCannotInject() async throws {
        let h = try await K2Harness.start()
        let exact = try await h.call(
            "data.list",
            ["class": "Part", "filter": [["field": "Name", "op": "EQ", "value": "Smith, Jones; Partners"]]])
        #expect(exact.json["data"]?.arrayValue?.map { $0["keys"] } == [["10"]])
        let injected = try await h.call(
            "data.list", ["class": "Part", "filter": [["field": "Name", "op": "EQ", "value": "x,PartnerId;GT;0"]]])
        #expect(injected.status == 200)
        #expect(injected.json["data"] == [])
        let quote = try await h.call(
            "data.list", ["class": "Part", "filter": [["field": "Name", "op": "EQ", "value": "The \"Best\" Shop"]]])
        #expect(quote.status == 400)
        #expect(quote.errorCode == "bad_request")
        let like = try await h.call(
            "data.list",
            [
                "class": "Part", "filter": [["field": "Name", "op": "LIKE", "value": "shell oil*", "wildcards": true]],
                "or_operator": true,
            ])
        #expect(like.json["data"]?.arrayValue?.count == 3)
        await h.finish()
    }

    @Test func getUpdateConflictCreateAndDeleteItems() async throws {
        let h = try await K2Harness.start()
        let order = try await h.call(
            "data.get", ["class": "Order", "keys": ["OV", 1], "fields": ["Description", "TimeStamp", "Items"]])
        #expect(order.status == 200, "\(order.text)")
        #expect(order.json["data"]?["keys"] == ["OV", "1"])
        #expect(order.json["data"]?["fields"]?["Items"]?.arrayValue?.count == 3)
        let timestamp = try #require(order.json["data"]?["fields"]?["TimeStamp"])
        let deleted = try await h.call(
            "data.delete_items",
            [
                "class": "Order", "keys": ["OV", 1], "fields": ["TimeStamp": timestamp], "collection": "Items",
                "items": [["RID": 1]],
            ])
        #expect(deleted.status == 200, "\(deleted.text)")
        let after = try await h.call("data.get", ["class": "Order", "keys": ["OV", 1], "fields": "Items"])
        #expect(after.json["data"]?["fields"]?["Items"]?.arrayValue?.compactMap { $0["fields"]?["RID"] } == [2, 3])

        let part = try await h.call(
            "data.get", ["class": "Part", "keys": [7], "fields": ["Name", "TimeStamp", "Credit"]])
        let record = try #require(part.json["data"])
        var fields = try #require(record["fields"]?.objectValue)
        fields["Name"] = "Renamed 7"
        let updated = try await h.call(
            "data.update",
            ["class": "Part", "keys": ["7"], "fields": .object(fields), "no_permission": record["no_permission"]!])
        #expect(updated.status == 200, "\(updated.text)")
        #expect(updated.json["data"]?["fields"]?["Name"] == "Renamed 7")
        fields["Name"] = "Lost update"
        let stale = try await h.call("data.update", ["class": "Part", "keys": ["7"], "fields": .object(fields)])
        #expect(stale.status == 409)
        #expect(stale.errorCode == "conflict")
        #expect(stale.json["error"]?["upstream_kind"] == "AS3Error")
        // A TimeStamp that was not sent at all is the caller's mistake, not a conflict.
        fields["TimeStamp"] = nil
        let unsent = try await h.call("data.update", ["class": "Part", "keys": ["7"], "fields": .object(fields)])
        #expect(unsent.status == 400, "\(unsent.text)")
        #expect(unsent.errorCode == "bad_request")
        #expect(unsent.json["error"]?["upstream_kind"] == "AS3Error")
        #expect(unsent.json["error"]?["message"]?.stringValue?.contains("system fields") == true)

        let created = try await h.call(
            "data.create", ["class": "Part", "fields": ["Abbr": "NEW", "Name": "New partner"]])
        #expect(created.status == 200, "\(created.text)")
        #expect(created.json["data"]?["keys"] == ["301"])
        let missing = try await h.call("data.get", ["class": "Part", "keys": [99999]])
        #expect(missing.status == 404)
        #expect(missing.json["error"]?["upstream_kind"] == "AS3Error")
        await h.finish()
    }

    @Test func metaAndFormation() async throws {
        let h = try await K2Harness.start()
        let classes = try await h.call("meta.list")
        #expect(
            classes.json["data"]?.arrayValue?.compactMap { $0["ClassName"]?.stringValue } == [
                "Part", "Order", "OrderItem",
            ])
        let meta = try await h.call("meta.get", ["class": "Order"])
        #expect(meta.json["data"]?["SystemFields"]?.arrayValue?.first?["Name"] == "TimeStamp")
        #expect(meta.json["data"]?["PrimaryKeyFieldList"]?.arrayValue?.count == 2)
        let scripts = try await h.call("formation.list", ["class": "Part"])
        #expect(scripts.json["data"]?.arrayValue?.contains { $0["Name"] == "example WS" } == true)
        let run = try await h.call(
            "formation.run",
            ["folder": "Special", "name": "ExampleWS", "parameters": ["ParamText": "a b", "ParamCislo": 123]])
        #expect(
            run.json["data"]?["parameters"]?["Output"] == "Values were passed: ParamText=a b, ParamCislo=123, Output=")
        let selected = try await h.call(
            "formation.run",
            [
                "folder": "Special", "name": "ExampleWS", "class": "TD_Part", "key": ["CisPart": 5],
                "parameters": ["ParamText": "Zadaný text", "ParamCislo": 12345],
            ])
        #expect(
            selected.json["data"]?["parameters"]?["Output"]
                == "Values were passed: ParamText=Zadaný text, ParamCislo=12345, Output=, AktDM=DEMO TRADE")
        let bad = try await h.call(
            "formation.run", ["folder": "Special", "name": "ExampleWS", "parameters": ["ParamCislo": "abc"]])
        #expect(bad.status == 502)
        #expect(bad.json["error"]?["upstream_kind"] == "AS3Error")
        let download = try await h.call("formation.download", ["folder": "Standard", "name": "TestDownload"])
        #expect(download.status == 200)
        #expect(download.headers[.contentType] == "application/vnd.ms-excel")
        #expect(download.text.hasPrefix("Task;Owner;Due\n"))
        #expect(download.body.count > 90_000)
        #expect(h.k2.state.requests.allSatisfy { $0.verified })
        await h.finish()
    }

    @Test func operationsTakeAndAnswerXML() async throws {
        let h = try await K2Harness.start()
        let (list, listTree) = try await h.callXML(
            "data.list",
            """
            <arguments><class>Part</class><fields><field>Name</field></fields><page_size>2</page_size><filter><cond\
            ition><field>PartnerId</field><op>GT</op><value>3</value></condition></filter></arguments>
            """
        )
        #expect(list.status == 200, "\(list.text)")
        #expect(list.headers[.contentType]?.hasPrefix("application/xml") == true)
        // A value that came as XML text is quoted: "3" compares as text, "4" > "3" still holds.
        #expect(listTree["response"]?["data"]?.arrayValue?.count == 2)
        #expect(listTree["response"]?["page"]?["next"]?.stringValue != nil)
        let (get, getTree) = try await h.callXML(
            "data.get", "<a><class>Part</class><keys>5</keys><fields>Abbr,TimeStamp</fields></a>")
        #expect(get.status == 200)
        #expect(getTree["response"]?["data"]?["fields"]?["Abbr"] == "DEMO TRADE")
        let timestamp = try #require(getTree["response"]?["data"]?["fields"]?["TimeStamp"]?.stringValue)
        let (update, updateTree) = try await h.callXML(
            "data.update",
            """
            <a><class>Part</class><keys>5</keys><fields><Abbr>DEMO \
            2</Abbr><TimeStamp>\(timestamp)</TimeStamp></fields></a>
            """
        )
        #expect(update.status == 200, "\(update.text)")
        #expect(updateTree["response"]?["data"]?["fields"]?["Abbr"] == "DEMO 2")
        let (meta, metaTree) = try await h.callXML("meta.get", "<a><class>Part</class></a>")
        #expect(meta.status == 200)
        #expect(metaTree["response"]?["data"]?["ClassName"] == "Part")
        let (run, runTree) = try await h.callXML(
            "formation.run",
            """
            <a><folder>Special</folder><name>ExampleWS</name><parameters><ParamText>aaa</ParamText><ParamCislo>123<\
            /ParamCislo></parameters></a>
            """
        )
        #expect(run.status == 200)
        #expect(
            runTree["response"]?["data"]?["parameters"]?["Output"]
                == "Values were passed: ParamText=aaa, ParamCislo=123, Output=")
        let (malformed, _) = try await h.callXML("data.get", "<a>\n<class>Part</klass></a>")
        #expect(malformed.status == 400)
        #expect(malformed.errorCode == "bad_request")
        #expect(malformed.json["error"]?["message"]?.stringValue?.contains("line 2") == true)
        let (xxe, _) = try await h.callXML(
            "data.get", "<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a><class>&x;</class></a>")
        #expect(xxe.status == 400)
        #expect(!xxe.text.contains("root:"))
        await h.finish()
    }

    @Test func xAuthModeSignsTheURL() async throws {
        let h = try await K2Harness.start(options: "{ auth: x-auth, max_concurrency: 2 }")
        let answer = try await h.call("data.list", ["class": "Part", "page_size": 2, "fields": ["Name", "ID_NO"]])
        #expect(answer.status == 200, "\(answer.text)")
        let next = try #require(answer.json["page"]?["next"]?.stringValue)
        let second = try await h.call("data.list", ["cursor": .string(next)])
        #expect(second.json["data"]?.arrayValue?.first?["keys"] == ["3"])
        let seen = h.k2.state.requests
        #expect(seen.count == 2)
        #expect(seen.allSatisfy { $0.verified && $0.auth == "x-auth" && $0.url.contains("x-auth=AN1%3A") })
        await h.finish()
    }

    @Test func proxySignsTheURLAsSentWithPlusAsSpace() async throws {
        let h = try await K2Harness.start()
        let answer = try await h.client.send(
            .get, h.gateway.baseURL + "/proxy/k2/Data/Part?fields=Name&conditions=Name;LIKE;Shell+Oil",
            headers: ["Authorization": "Bearer \(h.key)"])
        #expect(answer.status == 200, "\(answer.text)")
        #expect(answer.json["Items"]?.arrayValue?.count == 3)
        #expect(h.k2.state.requests.last?.url.hasSuffix("conditions=Name;LIKE;Shell%20Oil") == true)
        #expect(h.k2.state.requests.last?.verified == true)
        await h.finish()
    }

    @Test func wrongCredentialsCrossOriginPagesAndBrokenAnswers() async throws {
        let h = try await K2Harness.start(password: "wrong-password")
        let rejected = try await h.call("meta.list")
        #expect(rejected.status == 502)
        #expect(rejected.errorCode == "upstream_error")
        #expect(rejected.json["error"]?["upstream_status"] == 401)
        #expect(rejected.json["error"]?["message"]?.stringValue?.contains("credentials") == true)
        try await h.vault.put("k2/password", "ANPassword")
        // The vault change reaches the running gateway within its polling interval.
        var fixed = rejected
        for _ in 0..<40 where fixed.status != 200 {
            try await Task.sleep(for: .milliseconds(100))
            fixed = try await h.call("meta.list")
        }
        #expect(fixed.status == 200)

        var mode = h.k2.state.mode
        mode.pageOrigin = "http://127.0.0.2:9"
        h.k2.state.mode = mode
        let before = h.k2.state.requests.count
        let foreign = try await h.call("data.list", ["class": "Part", "page_size": 5])
        #expect(foreign.status == 502)
        #expect(foreign.json["error"]?["message"]?.stringValue?.contains("not on base_url") == true)
        #expect(h.k2.state.requests.count == before + 1)

        for (answer, expected) in [("garbage-json", "not valid JSON"), ("html-error", "IIS")] {
            var broken = K2SimulatorState.Mode()
            broken.answer = answer
            h.k2.state.mode = broken
            let result = try await h.call("data.list", ["class": "Part"])
            #expect(result.status == 502)
            #expect(result.errorCode == "upstream_error")
            #expect(result.json["error"]?["message"]?.stringValue?.contains(expected) == true, "\(result.text)")
            #expect(!result.text.contains("<html"))
        }
        await h.finish()
    }

    @Test func fiftyCallersNeverExceedMaxConcurrency() async throws {
        var simulator = K2Simulator.Configuration()
        simulator.threads = 5
        // A queue wait long enough for a loaded machine: this test is about the cap, not the timeout.
        let h = try await K2Harness.start(
            options: "{ max_concurrency: 3, queue_timeout_ms: 120000 }", simulator: simulator)
        var mode = h.k2.state.mode
        mode.latencyMilliseconds = 40
        h.k2.state.mode = mode
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<50 {
                // The caller waits as long as the queue may (a loaded machine once took over 30 s).
                group.addTask {
                    try await h.call(
                        "data.get", ["class": "Part", "keys": [.int(i + 1)]], timeoutMilliseconds: 150_000
                    )
                    .status
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == 200 }.count == 50)
        #expect(h.k2.state.maxInFlight <= 3)
        #expect(h.k2.state.maxInFlight >= 2)
        #expect(h.k2.state.refusedBusy == 0)
        await h.finish()
    }

    @Test(arguments: ["contains", "starts_with"])
    func likeHashReadingIsAKnobTheSimulatorFollows(reading: String) async throws {
        var simulator = K2Simulator.Configuration()
        simulator.likeHash = reading
        let h = try await K2Harness.start(options: "{ like_hash: \(reading) }", simulator: simulator)
        func names(_ match: String, _ value: String) async throws -> [String] {
            let answer = try await h.call(
                "data.list",
                [
                    "class": "Part", "fields": ["Name"], "page_size": 100,
                    "filter": [["field": "Name", "op": "LIKE", "value": .string(value), "match": .string(match)]],
                ])
            #expect(answer.status == 200, "\(answer.text)")
            let url = h.k2.state.requests.last?.url ?? ""
            #expect(url.contains("LIKE%23") == (match == reading), "\(url)")
            return (answer.json["data"]?.arrayValue ?? []).compactMap { $0["fields"]?["Name"]?.stringValue }
        }
        #expect(
            try await names("contains", "oil") == ["Shell Oil Company", "Shell Oil Products", "shell oil lowercase"])
        #expect(try await names("starts_with", "oil") == [])
        #expect(
            try await names("starts_with", "shell oil") == [
                "Shell Oil Company", "Shell Oil Products", "shell oil lowercase",
            ])
        #expect(try await names("contains", "Products") == ["Shell Oil Products"])
        await h.finish()

        // An adapter and a K2 that read LIKE# differently disagree: the knob is what matches them.
        var other = K2Simulator.Configuration()
        other.likeHash = reading == "contains" ? "starts_with" : "contains"
        let mismatched = try await K2Harness.start(options: "{ like_hash: \(reading) }", simulator: other)
        let wrong = try await mismatched.call(
            "data.list",
            [
                "class": "Part", "fields": ["Name"],
                "filter": [["field": "Name", "op": "LIKE", "value": "Products", "match": "contains"]],
            ])
        #expect(wrong.status == 200)
        #expect(
            wrong.json["data"] == [],
            "a mismatched reading finds nothing where the matched one finds Shell Oil Products")
        await mismatched.finish()
    }

    @Test func pagingOffAndPrevFirstLastCursors() async throws {
        let h = try await K2Harness.start()
        let all = try await h.call("data.list", ["class": "Part", "fields": ["Name"], "page_size": -1])
        #expect(all.status == 200, "\(all.text)")
        #expect(all.json["data"]?.arrayValue?.count == 300)
        #expect(all.json["page"]?["next"] == nil)
        #expect(h.k2.state.requests.last?.url.contains("pageSize=-1") == true)
        let zero = try await h.call("data.list", ["class": "Part", "page_size": 0])
        #expect(zero.status == 400)

        func keys(_ answer: TestClient.Answer) -> [String] {
            (answer.json["data"]?.arrayValue ?? []).compactMap { $0["keys"]?.arrayValue?.first?.stringValue }
        }
        let first = try await h.call(
            "data.list",
            [
                "class": "Part", "fields": ["Name"], "page_size": 10,
                "filter": [["field": "PartnerId", "op": "LE", "value": 30]],
            ])
        #expect(keys(first) == (1...10).map(String.init))
        #expect(first.json["page"]?["prev"] == nil)
        let lastCursor = try #require(first.json["page"]?["last"]?.stringValue)
        let last = try await h.call("data.list", ["cursor": .string(lastCursor)])
        #expect(keys(last) == (21...30).map(String.init), "\(last.text)")
        #expect(last.json["page"]?["next"] == nil)
        let prev = try await h.call(
            "data.list", ["cursor": .string(try #require(last.json["page"]?["prev"]?.stringValue))])
        #expect(keys(prev) == (11...20).map(String.init))
        let back = try await h.call(
            "data.list", ["cursor": .string(try #require(prev.json["page"]?["first"]?.stringValue))])
        #expect(keys(back) == (1...10).map(String.init))
        #expect(h.k2.state.requests.allSatisfy { $0.verified })
        await h.finish()

        // page_size -1 stays bounded by max_response_bytes.
        let small = try await K2Harness.start(connectionSettings: "max_response_bytes: 4096")
        let capped = try await small.call("data.list", ["class": "Part", "page_size": -1])
        #expect(capped.status == 502, "\(capped.text)")
        #expect(capped.json["error"]?["message"]?.stringValue?.contains("max_response_bytes") == true)
        await small.finish()
    }

    @Test func everyErrorKindHasItsOwnDocumentedUniformError() async throws {
        let h = try await K2Harness.start()
        let expected: [(kind: String, status: Int, code: String, words: String)] = [
            ("AS3Message", 502, "upstream_error", "stopped with a message"),
            ("AS3Warning", 502, "upstream_error", "stopped with a warning"),
            ("AS3Error", 502, "upstream_error", "application server failed"),
            ("AS3Terminated", 503, "unavailable", "try again later"),
            ("RequestError", 400, "bad_request", "refused the request"),
            ("CommunicationError", 502, "upstream_unreachable", "could not reach its application server"),
            ("UnknownError", 502, "upstream_error", "unidentified error"),
        ]
        var messages: Set<String> = []
        for entry in expected {
            let mode = try await h.client.send(
                .post, "http://127.0.0.1:\(h.k2.port)/_sim/mode", headers: ["Content-Type": "application/json"],
                body: JSON.serializeBytes(["error_kind": .string(entry.kind), "error_status": 500]))
            #expect(mode.status == 200, "\(mode.text)")
            let answer = try await h.call("meta.list")
            #expect(answer.status == entry.status, "\(entry.kind): \(answer.text)")
            #expect(answer.errorCode == entry.code, "\(entry.kind)")
            #expect(answer.json["error"]?["upstream_kind"]?.stringValue == entry.kind)
            #expect(answer.json["error"]?["upstream_status"] == 500)
            let message = answer.json["error"]?["message"]?.stringValue ?? ""
            #expect(message.contains(entry.words), "\(entry.kind): \(message)")
            messages.insert(String(message.prefix(while: { $0 != ":" })))
        }
        #expect(messages.count == 7, "each kind reads differently: \(messages)")
        await h.finish()
    }

    @Test(arguments: ["{ format: json }", "{ format: xml }"])
    func formationPrimaryKeysReturnUrlFileDataDownloadPostHTMLAndDefinition(options: String) async throws {
        let h = try await K2Harness.start(options: options)
        let records = try await h.call(
            "formation.run",
            [
                "folder": "Special", "name": "ExampleWS", "class": "Part",
                "records": [["PartnerId": 5], ["PartnerId": 6]], "parameters": ["ParamText": "x"],
            ])
        #expect(records.status == 200, "\(records.text)")
        #expect(
            records.json["data"]?["parameters"]?["Output"]?.stringValue?.hasSuffix("Records=DEMO TRADE|P6") == true,
            "\(records.text)")

        let report: Value = ["folder": "Standard", "name": "TestDownload", "parameters": ["Rows": 3]]
        let byURL = try await h.call("formation.run", report)
        #expect(
            byURL.json["data"]?["url"]?.stringValue?.contains("/Formation/download/Standard/TestDownload/pas") == true,
            "\(byURL.text)")
        #expect(byURL.json["data"]?["bulk_data"] == nil)
        var withData = try #require(report.objectValue)
        withData["return_file_data"] = true
        let bytes = try await h.call("formation.run", .object(withData))
        #expect(bytes.json["data"]?["url"] == nil, "\(bytes.text)")
        let file = try #require(Data(base64Encoded: bytes.json["data"]?["bulk_data"]?.stringValue ?? ""))
        #expect(String(decoding: file, as: UTF8.self).hasPrefix("Task;Owner;Due\nTask 1;"))
        #expect(h.k2.state.requests.last?.url.contains("returnOutFileData=true") == true)

        var selected = try #require(report.objectValue)
        selected["class"] = "Part"
        selected["key"] = ["PartnerId": 5]
        selected["return_url"] = true
        let posted = try await h.call("formation.run", .object(selected))
        #expect(posted.json["data"]?["url"]?.stringValue?.contains("/Formation/download/") == true, "\(posted.text)")
        #expect(h.k2.state.requests.last?.method == "POST")
        selected["return_url"] = false
        let noURL = try await h.call("formation.run", .object(selected))
        #expect(noURL.status == 200)
        #expect(noURL.json["data"]?["url"] == nil, "ReturnUrl false: \(noURL.text)")

        // POST /Formation/download: the parameters travel in the FormationInput body.
        let download = try await h.call("formation.download", .object(selected))
        #expect(download.status == 200, "\(download.text)")
        #expect(download.text.split(separator: "\n").count == 4, "Rows=3 reached the report through the POST body")
        #expect(h.k2.state.requests.last?.method == "POST")
        #expect(h.k2.state.requests.last?.url.contains("/Formation/download/Standard/TestDownload/pas") == true)

        let html = try await h.call(
            "formation.html", ["folder": "Standard", "name": "Example127", "parameters": ["Title": "Partners"]])
        #expect(html.status == 200, "\(html.text)")
        #expect(html.headers[.contentType]?.hasPrefix("text/html") == true)
        #expect(html.text.contains("<h1>Partners</h1>"))
        #expect(
            h.k2.state.requests.last?.url.contains("/Formation/html/Standard/Example127/pas?Title=Partners") == true)

        let definition = try await h.call("formation.definition", ["folder": "Special", "name": "ExampleWS"])
        #expect(definition.status == 200, "\(definition.text)")
        #expect(definition.json["data"]?["FormationID"] == "ExampleWS.PAS")
        #expect(
            definition.json["data"]?["Parameters"]?.arrayValue?.compactMap { $0["Name"]?.stringValue } == [
                "ParamText", "ParamCislo", "Output",
            ])
        #expect(h.k2.state.requests.allSatisfy { $0.verified })
        await h.finish()
    }
}
