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
        var status = 0
        while status != 200, ContinuousClock.now < recovered {
            status = try await h.client.send(
                .put, h.adminURL("/admin/v1/secrets/crm/token"), headers: admin,
                body: Array(#"{"value":"after-outage"}"#.utf8)
            ).status
            if status != 200 { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(status == 200)
        #expect(try await h.client.send(.get, h.url("/proxy/vaulted/d"), headers: h.auth).status == 200)
        #expect(h.echo.recorder.all.last?.header("Authorization") == "Bearer after-outage")
        await h.finish()
        withExtendedLifetime(cluster) {}
    }
}
