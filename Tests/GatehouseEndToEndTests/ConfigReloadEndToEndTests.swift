import Foundation
import GatehouseCore
import GatehouseTestSupport
import Synchronization
import Testing

/// Live config reload with the real binary: SIGHUP and `POST /admin/v1/config/reload` while
/// requests flow, in front of the real Checkfront simulator (an OAuth token obtained before the
/// reload) and two real echo upstreams (a `base_url` that moves from one to the other).
@Suite(.serialized, .timeLimit(.minutes(5))) struct ConfigReloadEndToEndTests {
    /// Counts of the load loops.
    final class Load: Sendable {
        let sent = Atomic<Int>(0)
        let failed = Atomic<Int>(0)
        let stop = Atomic<Bool>(false)
        let failures = Mutex<[String]>([])

        func record(_ ok: Bool, _ what: @autoclosure () -> String) {
            self.sent.add(1, ordering: .relaxed)
            if !ok {
                self.failed.add(1, ordering: .relaxed)
                let text = what()
                self.failures.withLock { if $0.count < 10 { $0.append(text) } }
            }
        }
    }

    static func echoConnection(_ base: String) -> String {
        """
          echo:
            adapter: http
            base_url: \(base)
            timeout_ms: 30000
        """
    }

    @Test func addingAClientAndMovingABaseURLUnderLoadLosesNoRequestAndKeepsTokens() async throws {
        let first = try await EchoFixture.start()
        let second = try await EchoFixture.start()
        let rig = try await CheckfrontEndToEndTests.Rig.start(
            extraConnections: Self.echoConnection(first.baseURL), extraGrants: ", echo")
        try await rig.authorize()
        #expect(try await rig.call().status == 200)
        #expect(try await rig.stats()["token_calls"] == 1)

        // Load: three loops through the proxy to the echo upstream, one through the Checkfront operation.
        let load = Load()
        let client = rig.client
        let proxyURL = rig.url("/proxy/echo/load")
        let caller = rig.caller
        var loops: [Task<Void, Never>] = []
        for _ in 0..<3 {
            loops.append(
                Task {
                    while !load.stop.load(ordering: .relaxed) {
                        do {
                            let answer = try await client.send(.get, proxyURL, headers: caller)
                            load.record(answer.status == 200, "proxy \(answer.status) \(answer.text.prefix(200))")
                        } catch {
                            load.record(false, "proxy \(error)")
                        }
                    }
                })
        }
        loops.append(
            Task {
                while !load.stop.load(ordering: .relaxed) {
                    do {
                        let answer = try await rig.call()
                        load.record(answer.status == 200, "checkfront \(answer.status) \(answer.text.prefix(200))")
                    } catch {
                        load.record(false, "checkfront \(error)")
                    }
                }
            })
        func waitForSent(atLeast count: Int) async throws {
            let deadline = ContinuousClock.now + .seconds(120)
            while load.sent.load(ordering: .relaxed) < count, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        try await waitForSent(atLeast: 100)

        // A request in flight on the old base_url when the reload lands.
        let stalled = Task { try await client.send(.get, rig.url("/proxy/echo/stall?ms=1500"), headers: caller) }
        let stallDeadline = ContinuousClock.now + .seconds(60)
        while !first.recorder.all.contains(where: { $0.path == "/stall" }), ContinuousClock.now < stallDeadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(first.recorder.all.contains { $0.path == "/stall" })

        // Reload 1, by SIGHUP: echo moves to the second upstream and a client is added.
        let (newKey, newHash) = APIKey.generate()
        let moved = rig.config
            .replacingOccurrences(of: Self.echoConnection(first.baseURL), with: Self.echoConnection(second.baseURL))
            .replacingOccurrences(
                of: "clients:\n", with: "clients:\n  newcomer: { key_sha256: \"\(newHash)\", connections: [echo] }\n")
        #expect(moved.contains(second.baseURL) && moved.contains("newcomer"))
        try moved.write(toFile: rig.gateway.configPath, atomically: true, encoding: .utf8)
        kill(rig.gateway.pid, SIGHUP)
        let moveDeadline = ContinuousClock.now + .seconds(60)
        while !second.recorder.all.contains(where: { $0.path == "/load" }), ContinuousClock.now < moveDeadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(second.recorder.all.contains { $0.path == "/load" }, "requests never reached the new base_url")
        let newcomer = try await client.send(
            .get, rig.url("/proxy/echo/hello"), headers: ["Authorization": "Bearer \(newKey)"])
        #expect(newcomer.status == 200, "\(newcomer.text)")
        // The in-flight request finished on the configuration it started with.
        let stalledAnswer = try await stalled.value
        #expect(stalledAnswer.status == 200, "\(stalledAnswer.text)")
        #expect(stalledAnswer.json["stalled_ms"] == 1500)
        #expect(!second.recorder.all.contains { $0.path == "/stall" })

        // Reload 2, through the admin API: cfpair is removed; cf is kept with its token.
        let withoutPair = moved.replacingOccurrences(
            of:
                """
                  cfpair:\n    adapter: checkfront\n    base_url: \(rig.sim)\n    credentials: { api_key: \
                vault:cfpair/api_key, api_secret: vault:cfpair/api_secret }\n
                """,
            with: "")
        #expect(!withoutPair.contains("cfpair:"))
        try withoutPair.replacingOccurrences(of: "connections: [cf, cfpair, echo]", with: "connections: [cf, echo]")
            .write(toFile: rig.gateway.configPath, atomically: true, encoding: .utf8)
        let reloaded = try await client.send(.post, rig.adminURL("/admin/v1/config/reload"), headers: rig.admin)
        #expect(reloaded.status == 200, "\(reloaded.text)")
        #expect(reloaded.json["data"]?["applied"] == true)
        #expect(reloaded.json["data"]?["generation"] == 3)
        #expect(reloaded.json["data"]?["connections"]?["removed"] == ["cfpair"])
        #expect(reloaded.json["data"]?["connections"]?["kept"] == ["cf", "echo"])
        #expect(try await client.send(.get, rig.url("/proxy/cfpair/api/3.0/ping"), headers: caller).status == 404)
        let baseline = load.sent.load(ordering: .relaxed)
        try await waitForSent(atLeast: baseline + 100)

        load.stop.store(true, ordering: .relaxed)
        for loop in loops { await loop.value }
        let sent = load.sent.load(ordering: .relaxed)
        let failed = load.failed.load(ordering: .relaxed)
        print("config reload under load: \(sent) requests sent, \(failed) failed")
        #expect(failed == 0, "\(load.failures.withLock { $0 })")
        #expect(sent >= 200)

        // The Checkfront token obtained before both reloads is still the one in use.
        let stats = try await rig.stats()
        #expect(stats["token_calls"] == 1, "\(stats)")
        let log = rig.gateway.log
        #expect(log.contains("msg=\"config reloaded\""))
        #expect(log.contains("trigger=sighup"))
        #expect(log.contains("trigger=admin-api"))
        // The removed connection's background renewal was stopped (the kept ones' were not).
        let stopped = log.split(separator: "\n").filter { $0.contains("msg=\"connection maintenance stopped\"") }
        #expect(stopped.contains { $0.contains("connection=cfpair") }, "\(stopped)")
        #expect(!stopped.contains { $0.contains("connection=cf ") || $0.hasSuffix("connection=cf") }, "\(stopped)")
        let metrics = try await client.send(.get, rig.url("/metrics")).text
        #expect(metrics.contains(#"gatehouse_config_reloads_total{result="applied"} 2"#), "\(metrics)")
        #expect(metrics.contains(#"gatehouse_config_reloads_total{result="rejected"} 0"#))
        await rig.finish()
        first.stop()
        second.stop()
    }

    /// Limits are part of what a reload swaps: a connection's new rate limit applies to the next
    /// request, and a client's limit given on reload applies to that client.
    @Test func aReloadAppliesChangedRateLimits() async throws {
        let h = try await Harness.start(
            environment: ["ADMIN_TOKEN": "admin-reload-token"], server: "admin: { token: env:ADMIN_TOKEN }")
        let admin = ["Authorization": "Bearer admin-reload-token"]
        let original = try String(contentsOfFile: h.gateway.configPath, encoding: .utf8)
        func proxied() async throws -> Int {
            try await h.client.send(.get, h.url("/proxy/echo/limited"), headers: h.auth).status
        }
        for _ in 0..<5 { #expect(try await proxied() == 200) }
        // The echo connection gets a limit of one request (refilled every 1000 s).
        let limited = original.replacingOccurrences(
            of: "    timeout_ms:", with: "    rate_limit: { requests_per_second: 0.001, burst: 1 }\n    timeout_ms:")
        #expect(limited != original)
        try limited.write(toFile: h.gateway.configPath, atomically: true, encoding: .utf8)
        let reloaded = try await h.client.send(.post, h.adminURL("/admin/v1/config/reload"), headers: admin)
        #expect(reloaded.status == 200, "\(reloaded.text)")
        #expect(reloaded.json["data"]?["connections"]?["rebuilt"] == ["echo"])
        #expect(try await proxied() == 200)
        let refused = try await h.client.send(.get, h.url("/proxy/echo/limited"), headers: h.auth)
        #expect(refused.status == 429)
        #expect(refused.errorCode == "rate_limited")
        // Taken away again: the limit goes with it.
        try original.write(toFile: h.gateway.configPath, atomically: true, encoding: .utf8)
        #expect(try await h.client.send(.post, h.adminURL("/admin/v1/config/reload"), headers: admin).status == 200)
        for _ in 0..<5 { #expect(try await proxied() == 200) }
        // A client's limit, given on reload, applies to that client.
        let clientLimited = original.replacingOccurrences(
            of: "    connections: [echo",
            with: "    rate_limit: { requests_per_second: 0.001, burst: 1 }\n    connections: [echo")
        #expect(clientLimited != original)
        try clientLimited.write(toFile: h.gateway.configPath, atomically: true, encoding: .utf8)
        #expect(try await h.client.send(.post, h.adminURL("/admin/v1/config/reload"), headers: admin).status == 200)
        #expect(try await proxied() == 200)
        #expect(try await proxied() == 429)
        #expect(
            h.echo.recorder.all.filter { $0.path == "/limited" }.count == 12, "a refused request reached the upstream")
        await h.finish()
    }

    @Test func anInvalidFileKeepsTheRunningConfigurationAndSaysWhere() async throws {
        let h = try await Harness.start(
            environment: ["ADMIN_TOKEN": "admin-reload-token"], server: "admin: { token: env:ADMIN_TOKEN }")
        let admin = ["Authorization": "Bearer admin-reload-token"]
        let good = try String(contentsOfFile: h.gateway.configPath, encoding: .utf8)
        // An unknown adapter on line 3 of the new file.
        try "server: { host: 127.0.0.1 }\nconnections:\n  broken: { adapter: nope, base_url: http://127.0.0.1:1 }\n"
            .write(toFile: h.gateway.configPath, atomically: true, encoding: .utf8)
        let refused = try await h.client.send(.post, h.adminURL("/admin/v1/config/reload"), headers: admin)
        #expect(refused.status == 400)
        #expect(refused.json["error"]?["code"] == "bad_request")
        let errors = refused.json["error"]?["errors"]?.arrayValue ?? []
        #expect(errors.count == 1)
        #expect(
            errors.first?.stringValue?.contains(
                "\(h.gateway.configPath):3: connections.broken.adapter: unknown adapter \"nope\"") == true,
            "\(refused.text)")
        // By signal too: logged with file:line, and the running configuration goes on serving.
        kill(h.gateway.pid, SIGHUP)
        let deadline = ContinuousClock.now + .seconds(30)
        while h.gateway.log.components(separatedBy: "config not reloaded").count < 3, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(h.gateway.log.contains("trigger=sighup"))
        #expect(h.gateway.log.contains("\(h.gateway.configPath):3: connections.broken.adapter"))
        #expect(try await h.client.send(.get, h.url("/proxy/echo/still"), headers: h.auth).status == 200)
        let metrics = try await h.client.send(.get, h.url("/metrics")).text
        #expect(metrics.contains(#"gatehouse_config_reloads_total{result="rejected"} 2"#), "\(metrics)")
        #expect(metrics.contains(#"gatehouse_config_reloads_total{result="applied"} 0"#))
        // A restart-only key changed beside a valid file: applied, and the key named.
        try good.replacingOccurrences(of: "shutdown_grace_seconds: 5", with: "shutdown_grace_seconds: 6")
            .write(toFile: h.gateway.configPath, atomically: true, encoding: .utf8)
        let applied = try await h.client.send(.post, h.adminURL("/admin/v1/config/reload"), headers: admin)
        #expect(applied.status == 200, "\(applied.text)")
        #expect(applied.json["data"]?["restart_required"] == ["server"])
        #expect(applied.json["data"]?["connections"]?["kept"] == ["echo", "other-echo"])
        // Only POST, only with the admin token.
        let wrongMethod = try await h.client.send(.get, h.adminURL("/admin/v1/config/reload"), headers: admin)
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.headers[.allow] == "POST")
        #expect(try await h.client.send(.post, h.adminURL("/admin/v1/config/reload")).status == 401)
        #expect(try await h.client.send(.post, h.url("/admin/v1/config/reload"), headers: admin).status == 404)
        await h.finish()
    }
}
