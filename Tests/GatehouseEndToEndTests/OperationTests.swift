import GatehouseCore
import GatehouseTestSupport
import Testing

@Suite(.timeLimit(.minutes(3))) struct OperationTests {
    @Test func requestOperationAnswersTheUniformEnvelope() async throws {
        let h = try await Harness.start()
        let arguments = #"{"method":"POST","path":"/orders/a b","query":{"expand":"lines","n":2},"body":{"qty":3}}"#
        var headers = h.auth
        headers["Content-Type"] = "application/json"
        let answer = try await h.client.send(
            .post, h.url("/v1/echo/request"), headers: headers, body: Array(arguments.utf8))
        #expect(answer.status == 200)
        #expect(answer.json["meta"] == ["connection": "echo", "adapter": "http", "upstream_status": 200])
        #expect(answer.json["data"]?["method"] == "POST")
        #expect(answer.json["data"]?["path"] == "/orders/a%20b")
        #expect(answer.json["data"]?["query"] == "expand=lines&n=2")
        #expect(answer.json["data"]?["body"] == #"{"qty":3}"#)
        let seen = try #require(h.echo.recorder.all.last)
        #expect(seen.header("Authorization") == "Bearer \(h.canary)")
        #expect(seen.header("Content-Type") == "application/json")
        await h.finish()
    }

    /// Headers an adapter kind reads as caller credentials (OKIT's `X-Client-Prefix`) are not
    /// forwarded by the request operation either, whoever's connection it is.
    @Test func requestOperationDropsInboundCredentialHeaders() async throws {
        let h = try await Harness.start()
        let arguments =
            #"{"path":"/x","headers":{"X-Client-Prefix":"BlaBla","Authorization":"Bearer theirs","X-Kept":"1"}}"#
        let answer = try await h.client.send(
            .post, h.url("/v1/echo/request"), headers: h.auth, body: Array(arguments.utf8))
        #expect(answer.status == 200)
        let seen = try #require(h.echo.recorder.all.last)
        #expect(seen.header("X-Client-Prefix") == nil)
        #expect(seen.header("Authorization") == "Bearer \(h.canary)")
        #expect(seen.header("X-Kept") == "1")
        await h.finish()
    }

    @Test func upstreamErrorStatusBecomesTheUniformError() async throws {
        let h = try await Harness.start()
        let answer = try await h.client.send(
            .post, h.url("/v1/echo/request"), headers: h.auth, body: Array(#"{"path":"/status/503"}"#.utf8))
        #expect(answer.status == 502)
        #expect(answer.errorCode == "upstream_error")
        #expect(answer.json["error"]?["upstream_status"] == 503)
        #expect(answer.json["error"]?["connection"] == "echo")
        await h.finish()
    }

    @Test func badInputIsAClearError() async throws {
        let h = try await Harness.start()
        let unknown = try await h.client.send(.post, h.url("/v1/echo/data.list"), headers: h.auth)
        #expect(unknown.status == 404)
        #expect(unknown.errorCode == "not_found")
        #expect(unknown.json["error"]?["message"]?.stringValue?.contains("data.list") == true)
        let badJSON = try await h.client.send(
            .post, h.url("/v1/echo/request"), headers: h.auth, body: Array("{\"path\":".utf8))
        #expect(badJSON.status == 400)
        #expect(badJSON.errorCode == "bad_request")
        let badArgument = try await h.client.send(
            .post, h.url("/v1/echo/request"), headers: h.auth, body: Array(#"{"pth":"/x"}"#.utf8))
        #expect(badArgument.status == 400)
        #expect(badArgument.json["error"]?["message"]?.stringValue?.contains("pth") == true)
        let get = try await h.client.send(.get, h.url("/v1/echo/request"), headers: h.auth)
        #expect(get.status == 405)
        let unauthenticated = try await h.client.send(
            .post, h.url("/v1/echo/request"), body: Array(#"{"path":"/x"}"#.utf8))
        #expect(unauthenticated.status == 401)
        #expect(h.echo.recorder.all.isEmpty)
        await h.finish()
    }
}
