import Foundation
import GatehouseCore
import GatehouseTestSupport
import HTTPTypes
import Testing

/// Arguments are checked against the operation's schema before anything is sent upstream, and
/// the data plane's OpenAPI document lists only the caller's connections.
struct OperationSchemaTests {
    @Test func aBadFilterOperatorIs400NamingTheMemberAndNothingIsSent() async throws {
        let h = try await K2Harness.start()
        let bad = try await h.call(
            "data.list", ["class": "Part", "filter": [["field": "Name", "op": "LIKES", "value": "x"]]])
        #expect(bad.status == 400)
        #expect(bad.errorCode == "bad_request")
        #expect(bad.json["error"]?["connection"] == "k2")
        #expect(
            bad.json["error"]?["message"]?.stringValue
                == """
                invalid arguments for data.list: /filter/0/op: must be one of LT, LE, GT, GE, EQ, NE, EMPTY, LIKE, \
                IN, BETWEEN
                """
        )
        let missing = try await h.call("data.get", ["class": "Part"])
        #expect(missing.json["error"]?["message"]?.stringValue == "invalid arguments for data.get: /keys: is required")
        let unknown = try await h.call("data.get", ["class": "Part", "keys": [5], "colour": "red"])
        #expect(unknown.status == 400)
        #expect(unknown.json["error"]?["message"]?.stringValue?.contains("/colour: is not allowed") == true)
        let range = try await h.call("data.list", ["class": "Part", "page_size": 10_001])
        #expect(
            range.json["error"]?["message"]?.stringValue
                == "invalid arguments for data.list: /page_size: must be at most 10000")
        #expect(h.k2.state.requests.isEmpty, "a call with invalid arguments reached K2")
        // The table lists the known names for an unknown one.
        let none = try await h.call("data.lists", [:])
        #expect(none.status == 404)
        #expect(
            none.json["error"]?["message"]?.stringValue?.contains("known: data.list, data.get, data.create") == true)
        await h.finish()
    }

    @Test func aK2NameOutsideItsPatternIs400AtItsPointer() async throws {
        let h = try await K2Harness.start()
        let field = try await h.call(
            "data.list", ["class": "Part", "filter": [["field": "Name;x", "op": "EQ", "value": 1]]])
        #expect(field.status == 400)
        #expect(
            field.json["error"]?["message"]?.stringValue
                == "invalid arguments for data.list: /filter/0/field: must match ^[A-Za-z_][A-Za-z0-9_.]*$")
        let className = try await h.call("data.get", ["class": "Part/../x", "keys": [5]])
        #expect(
            className.json["error"]?["message"]?.stringValue?.hasPrefix("invalid arguments for data.get: /class:")
                == true)
        let order = try await h.call("data.list", ["class": "Part", "order_by": ["-Name", "Id;"]])
        #expect(
            order.json["error"]?["message"]?.stringValue?.hasPrefix("invalid arguments for data.list: /order_by/1:")
                == true)
        #expect(h.k2.state.requests.isEmpty, "a call with invalid arguments reached K2")
        // A descending sort field is a name with a leading '-': allowed.
        let sorted = try await h.call("data.list", ["class": "Part", "order_by": ["-Name"]])
        #expect(sorted.status == 200, "\(sorted.text)")
        await h.finish()
    }

    @Test func keyfaxArgumentsAreCheckedBeforeAnythingIsSigned() async throws {
        let setup = try await KeyfaxEndToEndTests.Setup.start(auth: "basic")
        let before = try await setup.simulator("stats").json
        let missing = try await setup.operation("results", #"{"company":"OL3_Dev"}"#)
        #expect(missing.status == 400)
        #expect(missing.errorCode == "bad_request")
        #expect(missing.json["error"]?["message"]?.stringValue == "invalid arguments for results: /guid: is required")
        let empty = try await setup.operation("results", #"{"company":"","guid":"g"}"#)
        #expect(
            empty.json["error"]?["message"]?.stringValue == "invalid arguments for results: /company: must not be empty"
        )
        let after = try await setup.simulator("stats").json
        #expect(after["accepted_by_api_key"] == before["accepted_by_api_key"], "a refused call reached Keyfax")
        #expect(after["rejections"] == before["rejections"])
        await setup.finish()
    }

    @Test func aCheckfrontIdOutsideItsPatternIs400AndNothingIsSent() async throws {
        let rig = try await CheckfrontEndToEndTests.Rig.start()
        for (id, pointer) in [
            (#""a/b""#, "/id: must match ^[A-Za-z0-9-]+$"), (#""""#, "/id: must match ^[A-Za-z0-9-]+$"),
            ("-1", "/id: must be at least 0"),
        ] {
            let bad = try await rig.client.send(
                .post, rig.url("/v1/cfpair/booking.get"), headers: rig.caller, body: Array(#"{"id":\#(id)}"#.utf8))
            #expect(bad.status == 400, "\(id)")
            #expect(
                bad.json["error"]?["message"]?.stringValue == "invalid arguments for booking.get: " + pointer, "\(id)")
        }
        #expect(try await rig.stats()["api_calls"] == 0, "a call with invalid arguments reached Checkfront")
        await rig.finish()
    }

    @Test func theHTTPRequestOperationSendsOnlyTheMethodsProxyForwards() async throws {
        let h = try await Harness.start()
        for method in ["TRACE", "CONNECT", "get", "PROPFIND"] {
            let bad = try await h.client.send(
                .post, h.gateway.baseURL + "/v1/echo/request",
                headers: h.auth.merging(["Content-Type": "application/json"]) { $1 },
                body: Array(#"{"method":"\#(method)","path":"/x"}"#.utf8))
            #expect(bad.status == 400, "\(method)")
            let expected = "invalid arguments for request: /method: must be one of " + HTTPRequest.Method.forwardedAllow
            #expect(bad.json["error"]?["message"]?.stringValue == expected, "\(method)")
        }
        #expect(h.echo.recorder.all.isEmpty, "a refused method reached the upstream")
        await h.finish()
    }

    @Test func xmlArgumentsAreReadIntoTheSchemasJSONForm() async throws {
        let h = try await K2Harness.start()
        // Every scalar is text in XML: page_size and the key become numbers, the wrapped lists lists.
        let (answer, xml) = try await h.callXML(
            "data.list",
            "<a><class>Part</class><page_size>2</page_size><fields><field>Name</field></fields>"
                + "<filter><condition><field>PartnerId</field><op>LE</op><value>5</value></condition></filter></a>")
        #expect(answer.status == 200, "\(answer.text)")
        #expect(xml["response"]?["data"] != nil)
        let (bad, _) = try await h.callXML("data.list", "<a><class>Part</class><page_size>lots</page_size></a>")
        #expect(bad.status == 400)
        // Refusals are the uniform JSON error body whatever Accept says.
        #expect(
            bad.json["error"]?["message"]?.stringValue
                == "invalid arguments for data.list: /page_size: must be an integer")
        #expect(h.k2.state.requests.count == 1)
        await h.finish()
    }

    @Test func theServedDocumentListsOnlyTheCallersConnections() async throws {
        let h = try await Harness.start()
        let anonymous = try await h.client.send(.get, h.gateway.baseURL + "/v1/openapi.json")
        #expect(anonymous.status == 401)
        #expect(anonymous.errorCode == "unauthenticated")
        let answer = try await h.client.send(.get, h.gateway.baseURL + "/v1/openapi.json", headers: h.auth)
        #expect(answer.status == 200)
        #expect(answer.json["openapi"] == "3.1.0")
        let paths = answer.json["paths"]?.objectValue?.keys ?? []
        #expect(paths.contains("/v1/echo/request"))
        #expect(paths.contains("/proxy/echo/{path}"))
        #expect(!paths.contains { $0.contains("other-echo") }, "the document lists a connection the caller may not use")
        let schema = answer.json["paths"]?["/v1/echo/request"]?["post"]?["requestBody"]?["content"]?[
            "application/json"]?["schema"]
        #expect(schema?["required"] == ["path"])
        // The arguments are checked against that schema: nothing reaches the upstream.
        let bad = try await h.client.send(
            .post, h.gateway.baseURL + "/v1/echo/request",
            headers: h.auth.merging(["Content-Type": "application/json"]) { $1 },
            body: Array(#"{"path": 42}"#.utf8))
        #expect(bad.status == 400)
        #expect(bad.json["error"]?["message"]?.stringValue == "invalid arguments for request: /path: must be a string")
        #expect(h.echo.recorder.all.isEmpty)
        await h.finish()
    }

    @Test func connectionNamesThatDifferOnlyInPunctuationGetDistinctOperationIds() async throws {
        let directory = try TemporaryDirectory.make()
        let path = directory + "/gatehouse.yaml"
        try """
        connections:
          a-b: { adapter: http, base_url: "http://127.0.0.1:9/x" }
          a_b: { adapter: http, base_url: "http://127.0.0.1:9/y" }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await GatewayProcess.run(["openapi", "--config", path])
        #expect(result.status == 0, "\(result.stderr)")
        let paths = try JSON.parse(result.stdout)["paths"]?.objectValue ?? [:]
        var ids: [String] = []
        for path in paths.members {
            for method in path.value.objectValue?.members ?? [] {
                if let id = method.value["operationId"]?.stringValue { ids.append(id) }
            }
        }
        #expect(ids.count > 4)
        #expect(Set(ids).count == ids.count, "repeated operationIds: \(ids)")
        #expect(ids.contains("a_b_request") && ids.contains("a_b_request_2"))
    }

    @Test func theCommandPrintsEveryConnectionOfTheDemoConfiguration() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let config = root.appendingPathComponent("Config/gatehouse.yaml").path
        let result = try await GatewayProcess.run(["openapi", "--config", config])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try JSON.parse(result.stdout)
        let paths = document["paths"]?.objectValue?.keys ?? []
        // Every operation of every adapter the demo configures, sms-demo (no client key may use it) included.
        for path in [
            "/v1/k2-demo/data.list", "/v1/k2-demo/formation.download", "/v1/keyfax-demo/results",
            "/v1/checkfront-demo/booking.update",
            "/v1/okit-demo/token.validate", "/v1/sms-demo/request", "/proxy/sms-demo/{path}", "/healthz", "/readyz",
            "/metrics",
        ] {
            #expect(paths.contains(path), "\(path)")
        }
        let op = document["paths"]?["/v1/k2-demo/data.list"]?["post"]?["requestBody"]?["content"]?["application/json"]?[
            "schema"]?["properties"]?["filter"]?["items"]?["properties"]?["op"]
        #expect(op?["enum"] == ["LT", "LE", "GT", "GE", "EQ", "NE", "EMPTY", "LIKE", "IN", "BETWEEN"])
        let admin = try JSON.parse(try await GatewayProcess.run(["openapi", "--admin", "--config", config]).stdout)
        #expect(admin["paths"]?["/admin/v1/connections/keyfax-demo/keyfax/rotate"]?["post"] != nil)
        #expect(admin["paths"]?["/admin/v1/secrets/{path}"]?["put"] != nil)
        #expect(admin["paths"]?["/admin/v1/config/reload"]?["post"]?["operationId"] == "reloadConfiguration")
        let missing = try await GatewayProcess.run([
            "openapi", "--config", root.appendingPathComponent("Config/missing.yaml").path,
        ])
        #expect(missing.status != 0)
        #expect(missing.stdout.isEmpty)
    }
}
