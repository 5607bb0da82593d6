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

        private init(
            vault: VaultSetup, simulator: GatewayProcess, echo: EchoFixture, key: String, config: String,
            gateways: [GatewayProcess]
        ) {
            self.vault = vault
            self.simulator = simulator
            self.echo = echo
            self.key = key
            self.config = config
            self.gateways = gateways
        }

        /// `instances` gateways; `environments[i]` is added to instance i's environment; `cluster`
        /// (a private cluster's URL) holds the vault instead of the shared throwaway cluster;
        /// `vaultExtra` is more YAML for the vault section (`poll_seconds: 3600`).
        static func start(
            postgres: Bool, cluster: String? = nil, instances: Int, leaseSeconds: Int = 15, vaultExtra: String = "",
            environments: [[String: String]] = []
        ) async throws -> Rig {
            let vault = try await VaultSetup.make(
                postgres: postgres, cluster: cluster,
                extra: "lease_seconds: \(leaseSeconds)" + (vaultExtra.isEmpty ? "" : ", " + vaultExtra))
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
                gateways.append(
                    try await GatewayProcess.start(
                        config: config, environment: vault.environment.merging(extra) { _, new in new }))
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
            let start = try await self.client.send(
                .get, self.gateways[instance].adminURL + "/oauth/cf/start", headers: self.admin)
            #expect(start.status == 302)
            let authorize = try #require(start.headers[.location])
            let approved = try await self.client.send(.get, authorize + "&approve=yes")
            let back = try #require(approved.headers[.location])
            let query = String(back.split(separator: "?", maxSplits: 1)[1])
            let callback = try await self.client.send(
                .get, self.gateways[instance].baseURL + "/oauth/cf/callback?" + query)
            #expect(callback.status == 200, "\(callback.text)")
        }

        func call(on instance: Int, _ operation: String = "item.get", _ body: String = #"{"id": 1}"#) async throws
            -> TestClient.Answer
        {
            try await self.client.send(
                .post, self.gateways[instance].baseURL + "/v1/cf/\(operation)", headers: self.caller,
                body: Array(body.utf8))
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
                #expect(
                    !log.contains(CheckfrontEndToEndTests.consumerSecret), "the consumer secret leaked into the log")
                #expect(!log.contains("at-"), "an access token leaked into the log")
                #expect(!log.contains("rt-"), "a refresh token leaked into the log")
                if let url = self.vault.environment["GATEHOUSE_PG_URL"],
                    let password = URLComponents(string: url)?.password
                {
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
            #expect(
                statuses.allSatisfy { $0 == 200 },
                "round \(round): \(Dictionary(grouping: statuses) { $0 }.mapValues(\.count))")
            let stats = try await rig.stats()
            print(
                """
                multi-instance (\(postgres ? "postgres" : "sqlite"), \(instances) instances) round \(round): 90 \
                callers -> \(stats["refreshes"]?.intValue ?? -1) refresh(es) in total
                """
            )
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
        // The dead holder's lease as the store has it. `remaining` is by the database's clock when
        // the query ran, which is after `asked`: the lease cannot expire before `asked + remaining`.
        let database = try #require(rig.vault.environment["GATEHOUSE_PG_URL"])
        let leaseRow = """
            SELECT coalesce(holder, ''), fence::text,
                (expires_at_ms - (extract(epoch FROM clock_timestamp()) * 1000)::bigint)::text
            FROM leases WHERE name = 'cf/oauth'
            """
        let asked = ContinuousClock.now
        let dead = try #require(try await TestPostgres.rows(database, leaseRow).first)
        #expect(dead[0]?.hasPrefix("pid-\(rig.gateways[0].pid)-") == true, "the lease is not the dead one's: \(dead)")
        let deadFence = try #require(dead[1].flatMap { Int($0) })
        let expiresNoEarlierThan = asked + .milliseconds(try #require(dead[2].flatMap { Int64($0) }))
        // When the survivors' refresh reached Checkfront (seen by polling; later, never earlier).
        let watcher = Task { () -> ContinuousClock.Instant? in
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                if let refreshes = try? await rig.stats()["refreshes"]?.intValue, refreshes >= 1 { return .now }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return nil
        }
        // Callers on the survivors wait out the dead holder's lease, then one refresh serves all.
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for caller in 0..<30 { group.addTask { try await rig.call(on: caller % 2 == 0 ? 1 : 2).status } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        let takeover = ContinuousClock.now - killed
        let refreshed = try #require(await watcher.value, "no refresh reached Checkfront")
        #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses)")
        // The survivors respected the dead holder's lease: their refresh came after it expired,
        // under a newer fence.
        #expect(
            refreshed >= expiresNoEarlierThan,
            "the refresh reached Checkfront \(expiresNoEarlierThan - refreshed) before the dead holder's lease expired")
        let now = try #require(try await TestPostgres.rows(database, leaseRow).first)
        #expect((now[1].flatMap { Int($0) } ?? 0) > deadFence, "no instance took the lease over: \(now)")
        let stats = try await rig.stats()
        #expect(stats["refreshes"] == 1)
        #expect(stats["revoked_grants"] == 0)
        print(
            """
            multi-instance: lease holder SIGKILLed mid-refresh; callers on the survivors served after \(takeover) \
            (lease_seconds: 3; the dead lease had \(expiresNoEarlierThan - asked) left when seen, the refresh reached \
            Checkfront \(refreshed - killed) after the kill)
            """
        )
        await rig.finish()
    }

    /// The unrecoverable kill: the lease holder dies after Checkfront answered the refresh and
    /// before the new pair was stored. Checkfront rotated the refresh token, so the pair died with
    /// the process; the refresh token in the vault is the rotated-away one. The survivor takes the
    /// lease over, its refresh is refused (Checkfront revokes the grant on the reuse), and the
    /// operator sees what the docs describe: 503 `needs_reauthorization` naming `/oauth/cf/start`,
    /// the connection `needs_reauthorization` with `invalid_grant`, the instance still running,
    /// and no further token calls until someone re-authorizes, which restores the connection.
    @Test func aLeaseHolderKilledAfterTheTokenAnswerLeavesAClearReauthorizationNotACrash() async throws {
        let rig = try await Rig.start(
            postgres: true, instances: 2, leaseSeconds: 3,
            environments: [["GATEHOUSE_FAILPOINTS": "refresh.after_request=kill"]]
        )
        try await rig.authorize(on: 1)
        try await rig.waitUntilServing(0)
        try await rig.control("/_sim/clock", #"{"advance_seconds": 14001}"#)
        _ = try? await rig.call(on: 0)
        let deadline = ContinuousClock.now + .seconds(30)
        while rig.gateways[0].isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!rig.gateways[0].isRunning, "the failpoint did not kill instance 0")
        #expect(try await rig.stats()["refreshes"] == 1)

        let answer = try await rig.call(on: 1)
        #expect(answer.status == 503, "\(answer.text)")
        #expect(answer.errorCode == "needs_reauthorization", "\(answer.text)")
        #expect(answer.text.contains("/oauth/cf/start"), "\(answer.text)")
        var stats = try await rig.stats()
        #expect(stats["revoked_grants"] == 1)
        let tokenCalls = stats["token_calls"]?.intValue
        let health = try await rig.client.send(
            .get, rig.gateways[1].adminURL + "/admin/v1/connections/cf", headers: rig.admin)
        #expect(health.json["data"]?["state"] == "needs_reauthorization", "\(health.text)")
        #expect(health.json["data"]?["last_error"] == "invalid_grant", "\(health.text)")
        // Callers keep getting the same clear answer, without more token calls, and nothing crashes.
        for _ in 0..<5 { #expect(try await rig.call(on: 1).errorCode == "needs_reauthorization") }
        stats = try await rig.stats()
        #expect(stats["token_calls"]?.intValue == tokenCalls)
        #expect(rig.gateways[1].isRunning)
        #expect(try await rig.client.send(.get, rig.gateways[1].baseURL + "/readyz").status == 200)

        try await rig.authorize(on: 1)
        #expect(try await rig.call(on: 1).status == 200)
        print(
            """
            multi-instance: lease holder SIGKILLed after the token answer; survivor answered \
            needs_reauthorization, re-authorized, served
            """
        )
        await rig.finish()
    }

    /// Puts `value` as `crm/token` through instance `instance`'s admin API.
    func put(_ value: String, on instance: Int, _ rig: Rig) async throws {
        let put = try await rig.client.send(
            .put, rig.gateways[instance].adminURL + "/admin/v1/secrets/crm/token",
            headers: rig.admin.merging(["Content-Type": "application/json"]) { _, new in new },
            body: Array(#"{"value":"\#(value)"}"#.utf8)
        )
        #expect(put.status == 200, "\(put.text)")
    }

    /// Calls through instance `instance` until it sends `Bearer {value}` upstream (for at most
    /// `wait`: generous, this polls, it does not time); whether it did.
    func waitUntilSending(_ value: String, on instance: Int, _ rig: Rig, wait: Duration = .seconds(60)) async throws
        -> Bool
    {
        let deadline = ContinuousClock.now + wait
        while ContinuousClock.now < deadline {
            let answer = try await rig.client.send(
                .get, rig.gateways[instance].baseURL + "/proxy/crm/orders", headers: rig.caller)
            #expect(answer.status == 200)
            if rig.echo.recorder.all.last?.header("Authorization") == "Bearer \(value)" { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    /// A secret put through the admin API of one instance is what the next requests through
    /// another instance send. The vault's poll is an hour, so only PostgreSQL's NOTIFY can
    /// bring the change to B within the wait.
    @Test func anAdminPutOnOneInstanceIsUsedByAnother() async throws {
        let rig = try await Rig.start(postgres: true, instances: 2, vaultExtra: "poll_seconds: 3600")
        #expect(try await self.waitUntilSending("first-token", on: 1, rig))
        let canary = "PUT-ON-A-" + UUID().uuidString
        try await self.put(canary, on: 0, rig)
        let putAt = ContinuousClock.now
        #expect(try await self.waitUntilSending(canary, on: 1, rig), "instance B never used the value put on A")
        print("multi-instance: admin put on A used by B after \(ContinuousClock.now - putAt) (poll_seconds: 3600)")
        await rig.finish()
    }

    /// A notification B cannot receive: B is stopped (SIGSTOP) while its LISTEN connection is
    /// terminated and A takes a put, so the NOTIFY finds nobody listening for B. With the poll at
    /// an hour, B learns of the change only because its listener re-checks the store when it
    /// reconnects (notifications sent meanwhile are lost by design).
    @Test func aNotificationMissedWhileTheListenerWasDisconnectedIsMadeUpOnReconnecting() async throws {
        let rig = try await Rig.start(postgres: true, instances: 2, vaultExtra: "poll_seconds: 3600")
        let database = try #require(rig.vault.environment["GATEHOUSE_PG_URL"])
        #expect(try await self.waitUntilSending("first-token", on: 1, rig))
        let b = rig.gateways[1].pid
        kill(b, SIGSTOP)
        defer { kill(b, SIGCONT) }
        // Both instances' listeners; A's reconnects at once, B's only once it runs again.
        let terminated = try await TestPostgres.rows(
            database,
            """
            SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity
            WHERE datname = current_database() AND query ILIKE 'LISTEN%' AND pid <> pg_backend_pid()
            """)
        #expect(terminated.count == 2, "LISTEN backends terminated: \(terminated)")
        let canary = "PUT-WHILE-B-LISTENED-TO-NOTHING-" + UUID().uuidString
        try await self.put(canary, on: 0, rig)
        kill(b, SIGCONT)
        let resumed = ContinuousClock.now
        #expect(try await self.waitUntilSending(canary, on: 1, rig), "B never picked up the put it was not told about")
        print(
            """
            multi-instance: a put whose NOTIFY B missed used by B \(ContinuousClock.now - resumed) after B resumed \
            (poll_seconds: 3600)
            """
        )
        await rig.finish()
    }

    /// Two gateway instances on one PostgreSQL vault in front of the Keyfax simulator, with keys
    /// bootstrapped through instance A.
    final class KeyfaxPair: Sendable {
        let state: KeyfaxSimulatorState
        let simulator: SimulatorFixture<KeyfaxSimulator>
        let port: Int
        let vault: VaultSetup
        let hookSecret: String
        let a: GatewayProcess
        let b: GatewayProcess
        let client = TestClient()
        let key: String

        private init(
            state: KeyfaxSimulatorState, simulator: SimulatorFixture<KeyfaxSimulator>, port: Int, vault: VaultSetup,
            hookSecret: String, a: GatewayProcess,
            b: GatewayProcess, key: String
        ) {
            self.state = state
            self.simulator = simulator
            self.port = port
            self.vault = vault
            self.hookSecret = hookSecret
            self.a = a
            self.b = b
            self.key = key
        }

        static func start() async throws -> KeyfaxPair {
            let state = KeyfaxSimulatorState(.init(hosts: ["Dev": nil]))
            var logger = Logger(label: "test.keyfax")
            logger.logLevel = .error
            let simulator = try await SimulatorFixture.start(KeyfaxSimulator(state: state, logger: logger))
            let port = simulator.port
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
            let pair = KeyfaxPair(
                state: state, simulator: simulator, port: port, vault: vault, hookSecret: hookSecret, a: a, b: b,
                key: key)
            let bootstrap = try await pair.rotate(on: a, "bootstrap")
            #expect(bootstrap.status == 200, "\(bootstrap.text)")
            return pair
        }

        var hookPath: String { "/hooks/kf/keyfax-keys/" + self.hookSecret }

        func rotate(on gateway: GatewayProcess, _ action: String = "rotate") async throws -> TestClient.Answer {
            try await self.client.send(
                .post, gateway.adminURL + "/admin/v1/connections/kf/keyfax/\(action)",
                headers: ["Authorization": "Bearer \(self.vault.adminToken)"])
        }

        func stats() async throws -> Value {
            try await self.client.send(.get, "http://127.0.0.1:\(self.port)/_sim/stats").json
        }

        /// Polls until a signed call through `gateway` answers 200.
        func waitUntilServing(_ gateway: GatewayProcess) async throws {
            let caller = ["Authorization": "Bearer \(self.key)", "Content-Type": "application/json"]
            let deadline = ContinuousClock.now + .seconds(30)
            var status = 0
            while status != 200, ContinuousClock.now < deadline {
                status = try await self.client.send(
                    .post, gateway.baseURL + "/v1/kf/startup.example", headers: caller, body: Array("{}".utf8)
                ).status
                if status != 200 { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(status == 200)
        }

        func finish(secrets: [String]) async {
            await self.a.stop()
            await self.b.stop()
            self.client.shutdown()
            self.simulator.stop()
            for secret in secrets + [self.hookSecret] {
                #expect(
                    !self.a.log.contains(secret) && !self.b.log.contains(secret), "a Keyfax key reached a gateway log")
            }
        }
    }

    /// Keyfax key rotation requested on instance A, its web hook delivered by Keyfax to instance
    /// B: A completes the rotation, and both instances call with the new keys.
    @Test func aKeyfaxRotationStartedOnOneInstanceCompletesThroughAHookOnAnother() async throws {
        let pair = try await KeyfaxPair.start()
        pair.state.setWebHook(pair.b.baseURL + pair.hookPath, for: "Dev")
        let oldKeys = try #require(pair.state.currentKeys(host: "Dev"))

        let rotated = try await pair.rotate(on: pair.a)
        #expect(rotated.status == 200, "\(rotated.text)")
        #expect(rotated.json["data"]?["rotated"] == true, "\(rotated.text)")
        let before = try await pair.stats()
        #expect(before["web_hook_deliveries"] == 1)
        for gateway in [pair.a, pair.b] { try await pair.waitUntilServing(gateway) }
        let newKeys = try #require(pair.state.currentKeys(host: "Dev"))
        #expect(newKeys.apiKey != oldKeys.apiKey)
        #expect(rotated.json["data"]?["api_key"]?.stringValue == newKeys.apiKey)
        let after = try await pair.stats()
        #expect(after["accepted_by_api_key"]?[oldKeys.apiKey] == before["accepted_by_api_key"]?[oldKeys.apiKey])
        #expect((after["accepted_by_api_key"]?[newKeys.apiKey]?.intValue ?? 0) >= 2)
        await pair.finish(secrets: [newKeys.apiKey, newKeys.signingKey])
    }

    /// Rotations asked for on two instances at once make one rotation at Keyfax: the first holds
    /// the lease `kf/rotation` while it waits for its web hook, a second caller on the same
    /// instance shares it, and the other instance is refused with 409. The hook, delivered late
    /// to the other instance, completes the one rotation.
    @Test func twoInstancesRotatingAtOnceMakeOneRotation() async throws {
        let pair = try await KeyfaxPair.start()
        // Keyfax's delivery is held back (it reaches a recorder, not a gateway) so that the first
        // rotation is still waiting for its keys while the others are asked for.
        let held = try await EchoFixture.start()
        defer { held.stop() }
        pair.state.setWebHook(held.baseURL + "/held", for: "Dev")
        let oldKeys = try #require(pair.state.currentKeys(host: "Dev"))

        let first = Task { try await pair.rotate(on: pair.a) }
        let joined = Task { try await pair.rotate(on: pair.a) }
        let deadline = ContinuousClock.now + .seconds(30)
        while held.recorder.all.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let delivery = try #require(held.recorder.all.first?.body, "Keyfax never delivered the new keys")

        let other = try await pair.rotate(on: pair.b)
        #expect(other.status == 409, "\(other.text)")
        #expect(other.errorCode == "conflict")
        #expect(other.text.contains("already under way on another instance"), "\(other.text)")
        #expect(try await pair.stats()["key_rotations"] == 1)

        // Keyfax's delivery reaches instance B: the rotation A started completes.
        let hook = try await pair.client.send(
            .post, pair.b.baseURL + pair.hookPath, headers: ["Content-Type": "application/json"], body: delivery)
        #expect([200, 202].contains(hook.status), "\(hook.text)")
        let answers = [try await first.value, try await joined.value]
        for answer in answers {
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.json["data"]?["rotated"] == true, "\(answer.text)")
        }
        #expect(answers[0].json["data"]?["api_key"] == answers[1].json["data"]?["api_key"])
        for gateway in [pair.a, pair.b] { try await pair.waitUntilServing(gateway) }
        let newKeys = try #require(pair.state.currentKeys(host: "Dev"))
        #expect(newKeys.apiKey != oldKeys.apiKey)
        #expect(answers[0].json["data"]?["api_key"]?.stringValue == newKeys.apiKey)
        let stats = try await pair.stats()
        #expect(stats["key_rotations"] == 1)
        #expect(held.recorder.all.count == 1)
        // With the lease released, a later rotation on B is its own, and works.
        pair.state.setWebHook(pair.b.baseURL + pair.hookPath, for: "Dev")
        let later = try await pair.rotate(on: pair.b)
        #expect(later.json["data"]?["rotated"] == true, "\(later.text)")
        #expect(try await pair.stats()["key_rotations"] == 2)
        await pair.finish(secrets: [newKeys.apiKey, newKeys.signingKey])
    }
}
