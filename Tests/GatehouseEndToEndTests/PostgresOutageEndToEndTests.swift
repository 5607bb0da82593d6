import Foundation
import GatehouseCore
import GatehouseTestSupport
import Testing

/// The real gateway on a PostgreSQL cluster of this test's own, which the test stops and starts.
@Suite(.timeLimit(.minutes(8))) struct PostgresOutageEndToEndTests {
    static let connection = """
          vaulted:
            adapter: http
            base_url: ECHO
            credentials: { token: vault:crm/token }
            options: { header: Authorization, template: "Bearer {token}" }
        """

    @Test func readsServeFromTheCacheWritesAnswer503AndEverythingRecoversWithoutARestart() async throws {
        let cluster = try await TestPostgres.privateCluster()
        let vault = try await VaultSetup.make(cluster: cluster.url, extra: "poll_seconds: 2")
        try await vault.put("crm/token", "before-outage")
        let h = try await Harness.start(
            extraConnections: Self.connection, grants: ["echo", "vaulted"], environment: vault.environment,
            server: vault.section)
        let admin = ["Authorization": "Bearer \(vault.adminToken)", "Content-Type": "application/json"]
        #expect(try await h.client.send(.get, h.url("/proxy/vaulted/a"), headers: h.auth).status == 200)
        #expect(h.echo.recorder.all.last?.header("Authorization") == "Bearer before-outage")
        #expect(try await h.client.send(.get, h.url("/readyz")).status == 200)

        try await cluster.stop()
        // Reads: the cached credential keeps serving.
        #expect(try await h.client.send(.get, h.url("/proxy/vaulted/b"), headers: h.auth).status == 200)
        #expect(h.echo.recorder.all.last?.header("Authorization") == "Bearer before-outage")
        // Writes: 503 unavailable, and the old credential stays in use.
        let put = try await h.client.send(
            .put, h.adminURL("/admin/v1/secrets/crm/token"), headers: admin,
            body: Array(#"{"value":"during-outage"}"#.utf8))
        #expect(put.status == 503, "\(put.text)")
        #expect(put.errorCode == "unavailable")
        #expect(
            !put.text.contains(try #require(URLComponents(string: vault.environment["GATEHOUSE_PG_URL"]!)?.password)))
        #expect(try await h.client.send(.get, h.url("/proxy/vaulted/c"), headers: h.auth).status == 200)
        #expect(h.echo.recorder.all.last?.header("Authorization") == "Bearer before-outage")
        // /readyz reports not ready once the watcher's store call gives up (its 10 s timeout, which
        // no longer waits for the pool's 60 s connect attempt). Generous for a loaded machine;
        // this polls, it does not time.
        var ready = 200
        let stopped = ContinuousClock.now
        let noticed = stopped + .seconds(60)
        while ready == 200, ContinuousClock.now < noticed {
            try await Task.sleep(for: .milliseconds(100))
            ready = try await h.client.send(.get, h.url("/readyz")).status
        }
        #expect(ready == 503)
        print(
            """
            postgres outage: /readyz not ready \(ContinuousClock.now - stopped) after the admin put's 503 \
            (poll_seconds: 2)
            """
        )

        try await cluster.start()
        // Back without a restart: ready again, writes work and apply.
        let recovered = ContinuousClock.now + .seconds(180)
        while ready != 200, ContinuousClock.now < recovered {
            try await Task.sleep(for: .milliseconds(100))
            ready = try await h.client.send(.get, h.url("/readyz")).status
        }
        #expect(ready == 200)
        // The put refused during the outage left nothing behind: the secret is still version 1,
        // and calls still send the value from before.
        let metadata = try await h.client.send(.get, h.adminURL("/admin/v1/secrets/crm/token"), headers: admin)
        #expect(metadata.json["data"]?["version"] == 1, "\(metadata.text)")
        #expect(try await h.client.send(.get, h.url("/proxy/vaulted/c2"), headers: h.auth).status == 200)
        #expect(h.echo.recorder.all.last?.header("Authorization") == "Bearer before-outage")
        var put2 = TestClient.Answer?.none
        while put2?.status != 200, ContinuousClock.now < recovered {
            put2 = try await h.client.send(
                .put, h.adminURL("/admin/v1/secrets/crm/token"), headers: admin,
                body: Array(#"{"value":"after-outage"}"#.utf8))
            if put2?.status != 200 { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(put2?.status == 200, "\(put2?.text ?? "")")
        #expect(put2?.json["data"]?["version"] == 2, "\(put2?.text ?? "")")
        #expect(try await h.client.send(.get, h.url("/proxy/vaulted/d"), headers: h.auth).status == 200)
        #expect(h.echo.recorder.all.last?.header("Authorization") == "Bearer after-outage")
        // An abandoned write still waiting for a connection would land about now, once the pool
        // connects again: give it time to, and see that none does.
        try await Task.sleep(for: .seconds(3))
        let later = try await h.client.send(.get, h.adminURL("/admin/v1/secrets/crm/token"), headers: admin)
        #expect(later.json["data"]?["version"] == 2, "\(later.text)")
        #expect(try await h.client.send(.get, h.url("/proxy/vaulted/e"), headers: h.auth).status == 200)
        #expect(h.echo.recorder.all.last?.header("Authorization") == "Bearer after-outage")
        await h.finish()
        withExtendedLifetime(cluster) {}
    }

    /// A Checkfront refresh falls due (Checkfront answers 401: the access token expired there)
    /// while PostgreSQL is down. The lease cannot be taken, so nothing goes to the token endpoint
    /// (its answer could not be stored, and a rotated refresh token would be lost): callers get
    /// 503 `unavailable`, and the stored pair is kept. With the database back, both instances
    /// serve after one refresh between them, from the kept refresh token, and the grant lives.
    @Test func aRefreshDueDuringAnOutageIsNotSentAndHappensOnceAfterIt() async throws {
        let cluster = try await TestPostgres.privateCluster()
        let rig = try await MultiInstanceEndToEndTests.Rig.start(
            postgres: true, cluster: cluster.url, instances: 2, vaultExtra: "poll_seconds: 2")
        try await rig.authorize(on: 0)
        try await rig.waitUntilServing(1)
        let before = try await rig.stats()
        #expect(before["refreshes"] == 0)
        let tokenCalls = try #require(before["token_calls"]?.intValue)

        try await cluster.stop()
        try await rig.control("/_sim/clock", #"{"advance_seconds": 14001}"#)
        // A call that gets no answer at all is recorded, and the token endpoint still checked.
        let answers = await withTaskGroup(of: TestClient.Answer?.self) { group in
            for caller in 0..<6 { group.addTask { try? await rig.call(on: caller % 2) } }
            return await group.reduce(into: [TestClient.Answer?]()) { $0.append($1) }
        }
        for answer in answers {
            #expect(answer?.status == 503, "\(answer?.text ?? "no answer")")
            #expect(answer?.errorCode == "unavailable", "\(answer?.text ?? "no answer")")
        }
        let during = try await rig.stats()
        #expect(during["token_calls"]?.intValue == tokenCalls, "the token endpoint was called during the outage")
        #expect(during["refreshes"] == 0)
        #expect(during["revoked_grants"] == 0)

        try await cluster.start()
        for instance in 0..<2 { try await rig.waitUntilServing(instance) }
        let after = try await rig.stats()
        #expect(after["refreshes"] == 1, "\(after)")
        #expect(after["revoked_grants"] == 0)
        print(
            """
            postgres outage: a Checkfront refresh due during it sent \
            \((during["token_calls"]?.intValue ?? -1) - tokenCalls) \
            token call(s); after it, \(after["refreshes"]?.intValue ?? -1) refresh for 2 instances
            """
        )
        await rig.finish()
        withExtendedLifetime(cluster) {}
    }
}
