import Foundation
import GatehouseCore
import GatehouseOKITSimulator
import GatehouseTestSupport
import HTTPTypes
import Testing

/// What a caller without valid credentials can reach, end to end against the real gateway: one
/// 401 body for every refusal, one 503 body naming no source when credentials cannot be checked,
/// a bounded number of validator calls, and no metric series of its making.
@Suite(.timeLimit(.minutes(3))) struct UnauthenticatedCallerTests {
    /// The error object without its `request_id`, for comparing bodies.
    static func errorWithoutRequestID(_ answer: TestClient.Answer) -> Value {
        guard case .object(var error)? = answer.json["error"] else { return .null }
        error["request_id"] = nil
        return .object(error)
    }

    @Test func everyUnauthenticatedRejectionHasTheSameBody() async throws {
        let h = try await OKITHarness.start()
        // Stopped on every path: a failed #require or send must not leave processes behind.
        do {
            let token = h.issue()
            let refusedToken = "okit-e2e-never-issued-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
            h.remember(refusedToken)
            let unknownKey = APIKey.generate().key
            let cases: [(name: String, path: String, headers: [String: String])] = [
                ("no credentials", "/proxy/sms", [:]),
                ("Basic scheme", "/proxy/sms", ["Authorization": "Basic dXNlcjpwYXNz"]),
                ("Bearer without a token", "/proxy/sms", ["Authorization": "Bearer "]),
                ("malformed header", "/proxy/sms", ["Authorization": "gh_not-even-a-scheme"]),
                ("unknown gateway key", "/proxy/sms", ["Authorization": "Bearer \(unknownKey)"]),
                (
                    "unknown key, unknown connection", "/proxy/no-such-connection/x",
                    ["Authorization": "Bearer \(unknownKey)"]
                ),
                ("unknown key on an operation", "/v1/sms/request", ["Authorization": "Bearer \(unknownKey)"]),
                ("a token without a prefix", "/proxy/sms", ["Authorization": "Bearer \(token)"]),
                (
                    "unknown client prefix", "/proxy/sms",
                    ["Authorization": "Bearer \(token)", "X-Client-Prefix": "Stranger"]
                ),
                ("known prefix, no token", "/proxy/sms", ["X-Client-Prefix": "BlaBla"]),
                (
                    "known prefix, token refused by OKIT", "/proxy/sms",
                    ["Authorization": "Bearer \(refusedToken)", "X-Client-Prefix": "BlaBla"]
                ),
                (
                    "known prefix, oversized token", "/proxy/sms",
                    ["Authorization": "Bearer " + String(repeating: "t", count: 5_000), "X-Client-Prefix": "BlaBla"]
                ),
                (
                    "refused token on an operation", "/v1/sms/request",
                    ["Authorization": "Bearer \(refusedToken)", "X-Client-Prefix": "BlaBla"]
                ),
            ]
            var bodies: [(String, Value)] = []
            for test in cases {
                let answer = try await h.client.send(
                    .post, h.url(test.path),
                    headers: test.headers.merging(["Content-Type": "application/json"]) { a, _ in a },
                    body: Array("{}".utf8))
                #expect(answer.status == 401, "\(test.name): \(answer.status) \(answer.text)")
                #expect(answer.json["error"]?["request_id"]?.stringValue?.isEmpty == false, "\(test.name)")
                bodies.append((test.name, Self.errorWithoutRequestID(answer)))
            }
            let first = bodies[0].1
            #expect(first["code"] == "unauthenticated")
            #expect(first["connection"] == nil)
            for (name, body) in bodies {
                #expect(body == first, "\(name) answers \(body), not \(first)")
            }
            // Only the refused token reached the validator, once (its "not valid" is cached).
            #expect(h.validations.count == 1)
            #expect(h.echo.recorder.all.isEmpty)
        } catch {
            await h.finish()
            throw error
        }
        await h.finish()
    }

    @Test func credentialsThatCannotBeCheckedGetOne503NamingNoSource() async throws {
        let h = try await OKITHarness.start(timeoutMilliseconds: 800)
        // Stopped on every path: a failed #require or send must not leave processes behind.
        do {
            var answers: [(String, TestClient.Answer)] = []
            answers.append(
                ("validator port closed", try await h.sendSMS(token: h.issue(client: "Down"), prefix: "Down")))
            for (name, mode) in [
                ("500 page", OKITSimulator.Mode(failure: .serverError)), ("garbage", .init(failure: .garbage)),
                ("slower than timeout_ms", .init(latencyMilliseconds: 2_000)),
            ] as [(String, OKITSimulator.Mode)] {
                h.okit.state.mode = mode
                answers.append((name, try await h.sendSMS(token: h.issue(), prefix: "BlaBla")))
            }
            let first = Self.errorWithoutRequestID(answers[0].1)
            #expect(first["code"] == "unavailable")
            for (name, answer) in answers {
                #expect(answer.status == 503, "\(name)")
                #expect(Self.errorWithoutRequestID(answer) == first, "\(name): \(answer.text)")
                for word in ["okit", "OKIT", "127.0.0.1", "env:", "vault:", "SMSAPP", "Down", "timeout", "connection"] {
                    #expect(!answer.text.contains(word), "\(name): the body names \(word): \(answer.text)")
                }
            }
            #expect(h.echo.recorder.all.isEmpty)
        } catch {
            await h.finish()
            throw error
        }
        await h.finish()
    }

    @Test func pendingValidationsAreCappedAndTheRestRefusedAtOnce() async throws {
        let h = try await OKITHarness.start(timeoutMilliseconds: 20_000, maxPending: 16)
        // Stopped on every path: a failed #require or send must not leave processes behind.
        do {
            // A validator slow enough that every caller arrives while the first ones are under way.
            h.okit.state.mode = OKITSimulator.Mode(latencyMilliseconds: 4_000)
            let tokens = (0..<200).map { _ in h.issue() }
            let answers = try await withThrowingTaskGroup(of: TestClient.Answer.self) { group in
                for token in tokens {
                    group.addTask { try await h.sendSMS(token: token, prefix: "BlaBla") }
                }
                return try await group.reduce(into: [TestClient.Answer]()) { $0.append($1) }
            }
            let statuses = Dictionary(grouping: answers.map(\.status), by: { $0 }).mapValues(\.count)
            #expect(Set(statuses.keys).isSubset(of: [200, 503]), "\(statuses)")
            // At most max_pending validator calls; each of them admitted its caller.
            #expect(h.okit.state.validationCount <= 16, "\(h.okit.state.validationCount) validations")
            #expect(h.okit.state.validationCount >= 1)
            #expect(statuses[200, default: 0] == h.okit.state.validationCount, "\(statuses)")
            #expect(statuses[503, default: 0] == 200 - h.okit.state.validationCount, "\(statuses)")
            #expect(statuses[503, default: 0] > 0, "no caller was refused: \(statuses)")
            let refused = try #require(answers.first { $0.status == 503 })
            #expect(refused.errorCode == "unavailable")
            #expect(refused.json["error"]?["connection"] == nil)
            #expect(h.echo.recorder.all.count == statuses[200, default: 0])
            // Once the validations are over, a new token is validated again.
            h.okit.state.mode = .init()
            #expect(try await h.sendSMS(token: h.issue(), prefix: "BlaBla").status == 200)
        } catch {
            await h.finish()
            throw error
        }
        await h.finish()
    }

    @Test func unknownConnectionNamesNeverBecomeMetricLabels() async throws {
        let h = try await Harness.start()
        // Stopped on every path: a failed #require or send must not leave processes behind.
        do {
            var names: [String] = []
            for index in 0..<50 {
                let name = "made-up-\(index)-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
                names.append(name)
                let routes: [(HTTPRequest.Method, String)] = [
                    (.get, "/proxy/\(name)/x"), (.post, "/v1/\(name)/op"), (.get, "/oauth/\(name)/callback"),
                    (.post, "/hooks/\(name)/x"),
                ]
                let (method, path) = routes[index % routes.count]
                // Half with a valid key (404 unknown connection), half without (401).
                let answer = try await h.client.send(
                    method, h.url(path), headers: index % 8 < 4 ? h.auth : [:],
                    body: method == .post ? Array("{}".utf8) : nil)
                #expect([401, 404].contains(answer.status), "\(path): \(answer.status)")
            }
            #expect(try await h.client.send(.get, h.url("/proxy/echo/x"), headers: h.auth).status == 200)
            let metrics = try await h.client.send(.get, h.url("/metrics"))
            #expect(metrics.status == 200)
            for name in names {
                #expect(!metrics.text.contains(name), "\(name) became a label")
            }
            #expect(metrics.text.contains(#"connection="-""#))
            #expect(metrics.text.contains(#"gatehouse_requests_total{connection="echo",route="proxy",status="200"} 1"#))
        } catch {
            await h.finish()
            throw error
        }
        await h.finish()
    }

    @Test func operationBodiesHaveTheirOwnCap() async throws {
        let h = try await Harness.start()
        // Stopped on every path: a failed #require or send must not leave processes behind.
        do {
            let headers = h.auth.merging(["Content-Type": "application/json"]) { a, _ in a }
            func operation(bodyBytes: Int) -> [UInt8] {
                let prefix = #"{"path":"/big","body":""#
                let suffix = #""}"#
                return Array(
                    (prefix + String(repeating: "x", count: bodyBytes - prefix.utf8.count - suffix.utf8.count) + suffix)
                        .utf8)
            }
            // Exactly the default cap (1 MiB) is accepted...
            let atCap = try await h.client.send(
                .post, h.url("/v1/echo/request"), headers: headers, body: operation(bodyBytes: 1_048_576))
            #expect(atCap.status == 200, "\(atCap.status) \(atCap.text.prefix(300))")
            #expect(h.echo.recorder.all.count == 1)
            // ...one byte more is 413 in the uniform body, and nothing reaches the upstream.
            let over = try await h.client.send(
                .post, h.url("/v1/echo/request"), headers: headers, body: operation(bodyBytes: 1_048_577))
            #expect(over.status == 413)
            #expect(over.errorCode == "payload_too_large")
            #expect(over.json["error"]?["message"]?.stringValue?.contains("1048576") == true, "\(over.text)")
            #expect(h.echo.recorder.all.count == 1)
            // Proxy bodies keep server.max_body_bytes (50 MiB by default): 3 MiB streams through.
            let big = try await h.client.send(
                .post, h.url("/proxy/echo/upload"), headers: h.auth, body: [UInt8](repeating: 0x61, count: 3 << 20))
            #expect(big.status == 200)
            #expect(h.echo.recorder.all.last?.bodyBytes == 3 << 20)
            // The same process goes on serving.
            #expect(try await h.client.send(.get, h.url("/healthz")).status == 200)
        } catch {
            await h.finish()
            throw error
        }
        await h.finish()
    }

    @Test func aSmallerOperationCapIsHonoured() async throws {
        let h = try await Harness.start(server: "  max_operation_body_bytes: 4096")
        // Stopped on every path: a failed #require or send must not leave processes behind.
        do {
            let headers = h.auth.merging(["Content-Type": "application/json"]) { a, _ in a }
            let small = try await h.client.send(
                .post, h.url("/v1/echo/request"), headers: headers, body: Array(#"{"path":"/small"}"#.utf8))
            #expect(small.status == 200)
            let body = Array((#"{"path":"/x","body":""# + String(repeating: "y", count: 5_000) + #""}"#).utf8)
            let over = try await h.client.send(.post, h.url("/v1/echo/request"), headers: headers, body: body)
            #expect(over.status == 413)
            #expect(over.errorCode == "payload_too_large")
            #expect(h.echo.recorder.all.count == 1)
        } catch {
            await h.finish()
            throw error
        }
        await h.finish()
    }

    @Test func aWebHookWithAWrongSecretGetsTheSame401() async throws {
        let setup = try await KeyfaxEndToEndTests.Setup.start(auth: "basic")
        // Stopped on every path: a failed #require or send must not leave processes behind.
        do {
            let h = setup.h
            let dataPlane = try await h.client.send(.get, h.url("/proxy/echo/x"))
            #expect(dataPlane.status == 401)
            let body = Array(#"{"apiKey":"k","signingKey":"c2lnbg==","schemaName":"Basic","hostName":"Dev"}"#.utf8)
            for (path, headers) in [
                ("/hooks/kf/keyfax-keys/not-the-secret", [String: String]()),
                ("/hooks/kf/keyfax-keys", ["X-Gatehouse-Hook-Secret": "not-the-secret"]),
            ] {
                let hook = try await h.client.send(
                    .post, h.url(path), headers: headers.merging(["Content-Type": "application/json"]) { a, _ in a },
                    body: body)
                #expect(hook.status == 401, "\(path)")
                #expect(
                    Self.errorWithoutRequestID(hook) == Self.errorWithoutRequestID(dataPlane), "\(path): \(hook.text)")
            }
        } catch {
            await setup.finish()
            throw error
        }
        await setup.finish()
    }

    @Test func adminRefusalsMatchAndNameNoVaultPath() async throws {
        let vault = try await VaultSetup.make()
        let h = try await Harness.start(server: vault.section)
        // Stopped on every path: a failed #require or send must not leave processes behind.
        do {
            let dataPlane = try await h.client.send(
                .get, h.url("/proxy/echo/x"), headers: ["Authorization": "Bearer \(APIKey.generate().key)"])
            #expect(dataPlane.status == 401)
            for headers in [
                [:], ["Authorization": "Bearer wrong-admin-token"], ["Authorization": "Basic YWRtaW46YWRtaW4="],
            ] {
                let admin = try await h.client.send(.get, h.adminURL("/admin/v1/secrets"), headers: headers)
                #expect(admin.status == 401)
                #expect(Self.errorWithoutRequestID(admin) == Self.errorWithoutRequestID(dataPlane), "\(admin.text)")
            }
            // The admin token deleted from the vault: admin calls are refused (fail closed) with a
            // 503 that does not say where the token lives.
            let deleted = try await h.client.send(
                .delete, h.adminURL("/admin/v1/secrets/admin/token"),
                headers: ["Authorization": "Bearer \(vault.adminToken)"])
            #expect(deleted.status == 200, "\(deleted.text)")
            let gone = try await h.client.send(
                .get, h.adminURL("/admin/v1/secrets"), headers: ["Authorization": "Bearer \(vault.adminToken)"])
            #expect(gone.status == 503)
            #expect(gone.errorCode == "unavailable")
            for word in ["vault:", "admin/token", "env:"] {
                #expect(!gone.text.contains(word), "the 503 names \(word): \(gone.text)")
            }
        } catch {
            await h.finish()
            throw error
        }
        await h.finish()
    }
}
