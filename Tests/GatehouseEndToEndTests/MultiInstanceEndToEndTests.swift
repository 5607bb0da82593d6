import Foundation
import GatehouseCore
import GatehouseKeyfaxSimulator
import GatehouseTestSupport
import Logging
import Testing

/// Several real gateway processes on one vault (a PostgreSQL database on the throwaway cluster,
/// or one SQLite file) in front of the real Checkfront simulator: one refresh across every
/// instance, a killed lease holder taken over, and writes on one instance used by the others.
@Suite(.serialized, .timeLimit(.minutes(6))) struct MultiInstanceEndToEndTests {
    final class Rig: Sendable {
        let vault: VaultSetup
        let simulator: GatewayProcess
        let echo: EchoFixture
        let client = TestClient()
        let key: String
        let config: String
        let gateways: [GatewayProcess]

        private init(vault: VaultSetup, simulator: GatewayProcess, echo: EchoFixture, key: String, config: String, gateways: [GatewayProcess]) {
            self.vault = vault
            self.simulator = simulator
            self.echo = echo
            self.key = key
            self.config = config
            self.gateways = gateways
        }

        /// `instances` gateways; `environments[i]` is added to instance i's environment.
        static func start(postgres: Bool, instances: Int, leaseSeconds: Int = 15, environments: [[String: String]] = []) async throws -> Rig {
            let vault = try await VaultSetup.make(postgres: postgres, extra: "lease_seconds: \(leaseSeconds)")
            try await vault.put("cf/client_id", "DEMO-ONLY-checkfront-consumer-key")
            try await vault.put("cf/client_secret", CheckfrontEndToEndTests.consumerSecret)
            try await vault.put("crm/token", "first-token")
            let simulator = try await GatewayProcess.simulator("checkfront")
            let echo = try await EchoFixture.start()
            let (key, hash) = APIKey.generate()
            let config = """
                server: { host: 127.0.0.1, port: 0, shutdown_grace_seconds: 2 }
                \(vault.section)
                clients:
                  tester: { key_sha256: "\(hash)", connections: [cf, crm] }
                connections:
                  cf:
                    adapter: checkfront
                    base_url: \(simulator.baseURL)
                    credentials: { client_id: vault:cf/client_id, client_secret: vault:cf/client_secret }
                    options: { auth: oauth2, redirect_uri: "http://127.0.0.1:1/oauth/cf/callback" }
                  crm:
                    adapter: http
                    base_url: \(echo.baseURL)
                    credentials: { token: vault:crm/token }
                    options: { header: Authorization, template: "Bearer {token}" }
                """
            var gateways: [GatewayProcess] = []
            for index in 0..<instances {
                let extra = index < environments.count ? environments[index] : [:]
                gateways.append(try await GatewayProcess.start(config: config, environment: vault.environment.merging(extra) { _, new in new }))
            }
            return Rig(vault: vault, simulator: simulator, echo: echo, key: key, config: config, gateways: gateways)
        }

        var sim: String { self.simulator.baseURL }
        var admin: [String: String] { ["Authorization": "Bearer \(self.vault.adminToken)"] }
        var caller: [String: String] { ["Authorization": "Bearer \(self.key)", "Content-Type": "application/json"] }

        func stats() async throws -> Value { try await self.client.send(.get, self.sim + "/_sim/stats").json }

        func control(_ path: String, _ body: String = "{}") async throws {
            _ = try await self.client.send(.post, self.sim + path, body: Array(body.utf8))
        }

        /// The OAuth2 steps on `instance`: start, the simulator's approval, the callback.
        func authorize(on instance: Int) async throws {
            let start = try await self.client.send(.get, self.gateways[instance].adminURL + "/oauth/cf/start", headers: self.admin)
            #expect(start.status == 302)
            let authorize = try #require(start.headers[.location])
            let approved = try await self.client.send(.get, authorize + "&approve=yes")
            let back = try #require(approved.headers[.location])
            let query = String(back.split(separator: "?", maxSplits: 1)[1])
            let callback = try await self.client.send(.get, self.gateways[instance].baseURL + "/oauth/cf/callback?" + query)
            #expect(callback.status == 200, "\(callback.text)")
        }

        func call(on instance: Int, _ operation: String = "item.get", _ body: String = #"{"id": 1}"#) async throws -> TestClient.Answer {
            try await self.client.send(.post, self.gateways[instance].baseURL + "/v1/cf/\(operation)", headers: self.caller, body: Array(body.utf8))
        }

        /// Polls `instance` until a Checkfront call answers 200 (the grant reached it).
        func waitUntilServing(_ instance: Int) async throws {
            let deadline = ContinuousClock.now + .seconds(60)
            var status = 0
            while ContinuousClock.now < deadline {
                status = try await self.call(on: instance).status
                if status == 200 { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            Issue.record("instance \(instance) never served (last status \(status))")
        }

        func finish() async {
            for gateway in self.gateways where gateway.isRunning { await gateway.stop() }
            await self.simulator.stop()
            self.echo.stop()
            self.client.shutdown()
            for gateway in self.gateways {
                let log = gateway.log
                #expect(!log.contains(CheckfrontEndToEndTests.consumerSecret), "the consumer secret leaked into the log")
                #expect(!log.contains("at-"), "an access token leaked into the log")
                #expect(!log.contains("rt-"), "a refresh token leaked into the log")
                if let url = self.vault.environment["GATEHOUSE_PG_URL"], let password = URLComponents(string: url)?.password {
                    #expect(!log.contains(password), "the database password leaked into the log")
                }
            }
        }
    }

    /// 90 callers spread over the instances after the access token expired at Checkfront: one
    /// refresh in all, three rounds in a row, and the grant (whose refresh tokens rotate) never
    /// revoked.
    func ninetyCallersRefreshOnce(postgres: Bool, instances: Int) async throws {
        let rig = try await Rig.start(postgres: postgres, instances: instances)
        try await rig.authorize(on: 0)
        for instance in 1..<instances { try await rig.waitUntilServing(instance) }
        for round in 1...3 {
            try await rig.control("/_sim/clock", #"{"advance_seconds": 14001}"#)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for caller in 0..<90 {
                    group.addTask { try await rig.call(on: caller % instances).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == 200 }, "round \(round): \(Dictionary(grouping: statuses) { $0 }.mapValues(\.count))")
            let stats = try await rig.stats()
            print("multi-instance (\(postgres ? "postgres" : "sqlite"), \(instances) instances) round \(round): 90 callers -> \(stats["refreshes"]?.intValue ?? -1) refresh(es) in total")
            #expect(stats["refreshes"] == .int(round), "round \(round)")
            #expect(stats["revoked_grants"] == 0)
        }
        await rig.finish()
    }

    @Test func threeInstancesOnPostgresRefreshOnceForNinetyCallers() async throws {
        try await self.ninetyCallersRefreshOnce(postgres: true, instances: 3)
    }

    @Test func twoProcessesOnOneSQLiteFileRefreshOnceForNinetyCallers() async throws {
        try await self.ninetyCallersRefreshOnce(postgres: false, instances: 2)
    }

    /// The lease holder dies (SIGKILL, at the failpoint) with the lease taken and the refresh not
    /// sent: another instance takes the lease over once it expires and completes the refresh.
    @Test func aKilledLeaseHolderIsTakenOverAfterTheLeaseExpires() async throws {
        let rig = try await Rig.start(
            postgres: true, instances: 3, leaseSeconds: 3,
            environments: [["GATEHOUSE_FAILPOINTS": "refresh.before_request=kill"]]
        )
        try await rig.authorize(on: 1)
        for instance in [0, 2] { try await rig.waitUntilServing(instance) }
        try await rig.control("/_sim/clock", #"{"advance_seconds": 14001}"#)
        // Instance 0 takes the lease and dies before sending the refresh.
        _ = try? await rig.call(on: 0)
        let deadline = ContinuousClock.now + .seconds(30)
        while rig.gateways[0].isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!rig.gateways[0].isRunning, "the failpoint did not kill instance 0")
        let killed = ContinuousClock.now
        // Callers on the survivors wait out the dead holder's lease, then one refresh serves all.
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for caller in 0..<30 { group.addTask { try await rig.call(on: caller % 2 == 0 ? 1 : 2).status } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        let takeover = ContinuousClock.now - killed
        #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses)")
        let stats = try await rig.stats()
        #expect(stats["refreshes"] == 1)
        #expect(stats["revoked_grants"] == 0)
        print("multi-instance: lease holder SIGKILLed mid-refresh; callers on the survivors served after \(takeover) (lease_seconds: 3)")
        await rig.finish()
    }

    /// A secret put through the admin API of one instance is what the next request through
    /// another instance sends.
    @Test func anAdminPutOnOneInstanceIsUsedByAnother() async throws {
        let rig = try await Rig.start(postgres: true, instances: 2)
        let canary = "PUT-ON-A-" + UUID().uuidString
        let put = try await rig.client.send(
            .put, rig.gateways[0].adminURL + "/admin/v1/secrets/crm/token",
            headers: rig.admin.merging(["Content-Type": "application/json"]) { _, new in new },
            body: Array(#"{"value":"\#(canary)"}"#.utf8)
        )
        #expect(put.status == 200, "\(put.text)")
        let put_at = ContinuousClock.now
        var seen = ""
        while ContinuousClock.now < put_at + .seconds(30) {
            let answer = try await rig.client.send(.get, rig.gateways[1].baseURL + "/proxy/crm/orders", headers: rig.caller)
            #expect(answer.status == 200)
            seen = rig.echo.recorder.all.last?.header("Authorization") ?? ""
            if seen == "Bearer \(canary)" { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(seen == "Bearer \(canary)", "instance B never used the value put on instance A")
        print("multi-instance: admin put on A used by B after \(ContinuousClock.now - put_at)")
        await rig.finish()
    }

    /// Keyfax key rotation requested on instance A, its web hook delivered by Keyfax to instance
    /// B: A completes the rotation, and both instances call with the new keys.
    @Test func aKeyfaxRotationStartedOnOneInstanceCompletesThroughAHookOnAnother() async throws {
        let state = KeyfaxSimulatorState(.init(hosts: ["Dev": nil]))
        var logger = Logger(label: "test.keyfax")
        logger.logLevel = .error
        let keyfax = try await SimulatorFixture.start(KeyfaxSimulator(state: state, logger: logger))
        defer { keyfax.stop() }
        let port = keyfax.port
        let vault = try await VaultSetup.make(postgres: true)
        let hookSecret = "multi-hook-secret-" + UUID().uuidString
        try await vault.put("kf/hook_secret", hookSecret)
        let (key, hash) = APIKey.generate()
        let config = """
            server: { host: 127.0.0.1, port: 0, shutdown_grace_seconds: 2 }
            \(vault.section)
            clients:
              tester: { key_sha256: "\(hash)", connections: [kf] }
            connections:
              kf:
                adapter: keyfax
                base_url: http://127.0.0.1:\(port)/interview
                credentials: { hook_secret: vault:kf/hook_secret }
                options: { host_name: Dev, auth: basic }
            """
        let a = try await GatewayProcess.start(config: config, environment: vault.environment)
        let b = try await GatewayProcess.start(config: config, environment: vault.environment)
        state.setWebHook(b.baseURL + "/hooks/kf/keyfax-keys/" + hookSecret, for: "Dev")
        let client = TestClient()
        let admin = ["Authorization": "Bearer \(vault.adminToken)"]
        let caller = ["Authorization": "Bearer \(key)", "Content-Type": "application/json"]
        let bootstrap = try await client.send(.post, a.adminURL + "/admin/v1/connections/kf/keyfax/bootstrap", headers: admin)
        #expect(bootstrap.status == 200, "\(bootstrap.text)")
        let oldKeys = try #require(state.currentKeys(host: "Dev"))

        let rotated = try await client.send(.post, a.adminURL + "/admin/v1/connections/kf/keyfax/rotate", headers: admin)
        #expect(rotated.status == 200, "\(rotated.text)")
        #expect(rotated.json["data"]?["rotated"] == true, "\(rotated.text)")
        let stats = try await client.send(.get, "http://127.0.0.1:\(port)/_sim/stats").json
        #expect(stats["web_hook_deliveries"] == 1)
        let before = stats
        for gateway in [a, b] {
            let deadline = ContinuousClock.now + .seconds(30)
            var status = 0
            while status != 200, ContinuousClock.now < deadline {
                status = try await client.send(.post, gateway.baseURL + "/v1/kf/startup.example", headers: caller, body: Array("{}".utf8)).status
                if status != 200 { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(status == 200)
        }
        let newKeys = try #require(state.currentKeys(host: "Dev"))
        #expect(newKeys.apiKey != oldKeys.apiKey)
        #expect(rotated.json["data"]?["api_key"]?.stringValue == newKeys.apiKey)
        let after = try await client.send(.get, "http://127.0.0.1:\(port)/_sim/stats").json
        #expect(after["accepted_by_api_key"]?[oldKeys.apiKey] == before["accepted_by_api_key"]?[oldKeys.apiKey])
        #expect((after["accepted_by_api_key"]?[newKeys.apiKey]?.intValue ?? 0) >= 2)
        await a.stop()
        await b.stop()
        client.shutdown()
        for secret in [newKeys.apiKey, newKeys.signingKey, hookSecret] {
            #expect(!a.log.contains(secret) && !b.log.contains(secret), "a Keyfax key reached a gateway log")
        }
    }
}
