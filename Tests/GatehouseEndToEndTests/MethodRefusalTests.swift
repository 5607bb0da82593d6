import GatehouseCore
import GatehouseTestSupport
import HTTPTypes
import Testing

/// What schemathesis found (Tests/OpenAPI): a method a route does not take is 405 with `Allow`,
/// health routes take GET only, and `/proxy` never forwards TRACE (an upstream honouring it would
/// echo the credential Gatehouse adds back to the caller).
struct MethodRefusalTests {
    @Test func traceIsNotForwardedAndEvery405SaysWhatTheRouteTakes() async throws {
        let h = try await Harness.start()
        let trace = try await h.client.send(.trace, h.url("/proxy/echo/orders"), headers: h.auth)
        #expect(trace.status == 405)
        #expect(trace.errorCode == "method_not_allowed")
        #expect(trace.headers[.allow] == "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS")
        #expect(h.echo.recorder.all.isEmpty, "TRACE reached the upstream")
        #expect(!trace.text.contains(h.canary))
        let query = try await h.client.send(.init("QUERY")!, h.url("/proxy/echo/orders"), headers: h.auth)
        #expect(query.status == 405)
        #expect(h.echo.recorder.all.isEmpty, "QUERY reached the upstream")
        let options = try await h.client.send(.options, h.url("/proxy/echo/orders"), headers: h.auth)
        #expect(options.status == 200, "\(options.text)")
        #expect(h.echo.recorder.all.count == 1)
        let operation = try await h.client.send(.trace, h.url("/v1/echo/request"), headers: h.auth)
        #expect(operation.status == 405)
        #expect(operation.headers[.allow] == "POST")
        for path in ["/healthz", "/readyz", "/metrics", "/v1/openapi.json"] {
            let answer = try await h.client.send(.trace, h.url(path), headers: h.auth)
            #expect(answer.status == 405, "\(path): \(answer.text)")
            #expect(answer.headers[.allow] == "GET", "\(path)")
            #expect(answer.errorCode == "method_not_allowed", "\(path)")
            #expect(try await h.client.send(.get, h.url(path), headers: h.auth).status == 200, "\(path)")
        }
        await h.finish()
    }

    @Test func theAdminAPIsDocumentAndIts405s() async throws {
        let vault = try await VaultSetup.make()
        let h = try await Harness.start(server: vault.section)
        let admin = ["Authorization": "Bearer \(vault.adminToken)"]
        let document = try await h.client.send(.get, h.adminURL("/admin/v1/openapi.json"), headers: admin)
        #expect(document.status == 200)
        #expect(document.json["openapi"] == "3.1.0")
        #expect(document.json["paths"]?["/admin/v1/secrets/{path}"]?["put"] != nil)
        #expect(try await h.client.send(.get, h.adminURL("/admin/v1/openapi.json")).status == 401)
        for (path, allow) in [
            ("/admin/v1/connections", "GET"), ("/admin/v1/connections/echo", "GET"), ("/admin/v1/secrets", "GET"),
            ("/admin/v1/secrets/a/b", "GET, PUT, DELETE"), ("/admin/v1/openapi.json", "GET"),
            ("/admin/v1/connections/echo/rotate", "POST"),
        ] {
            let method: HTTPRequest.Method = allow == "POST" ? .get : .trace
            let answer = try await h.client.send(method, h.adminURL(path), headers: admin)
            #expect(answer.status == 405, "\(path): \(answer.text)")
            #expect(answer.headers[.allow] == allow, "\(path)")
        }
        await h.finish()
    }

    @Test func aRelativeRequestPathStaysBelowBaseURL() async throws {
        // schemathesis: {"path": "0"} was sent to /echo0, beside base_url's /echo rather than below it.
        let h = try await Harness.start()
        let answer = try await h.client.send(
            .post, h.url("/v1/echo/request"), headers: h.auth.merging(["Content-Type": "application/json"]) { $1 },
            body: Array(#"{"path": "0"}"#.utf8))
        #expect(answer.status == 200, "\(answer.text)")
        #expect(h.echo.recorder.all.map(\.path) == ["/0"])
        await h.finish()
    }
}
