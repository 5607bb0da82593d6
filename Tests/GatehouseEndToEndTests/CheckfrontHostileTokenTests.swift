import Foundation
import GatehouseCore
import GatehouseTestSupport
import Testing

/// The real gateway and the real Checkfront simulator (child processes): a token endpoint
/// answering `"expires_in": 9223372036854775807` during the callback and during a refresh.
/// Before the fix the first one killed the gateway ("arithmetic overflow").
@Suite(.serialized, .timeLimit(.minutes(3))) struct CheckfrontHostileTokenTests {
    typealias Rig = CheckfrontEndToEndTests.Rig
    static let hostile = #"{"token_endpoint": 1, "expires_in": 9223372036854775807}"#

    /// The vault's `version` column for `path` in `gatehouse vault list`.
    static func version(_ path: String, in rig: Rig) async throws -> String? {
        let listing = try await rig.vault.cli(["vault", "list"])
        let line = listing.split(separator: "\n").first { $0.split(separator: " ").first.map(String.init) == path }
        return line?.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.map(String.init)
    }

    @Test func anOverflowingExpiresInIsAClearErrorAndKeepsTheProcessAndTheTokens() async throws {
        let rig = try await Rig.start()
        do {
            try await rig.authorize()
            #expect(try await rig.call().status == 200)
            let access = try await Self.version("cf/access_token", in: rig)
            let refresh = try await Self.version("cf/refresh_token", in: rig)
            #expect(access != nil && refresh != nil)

            // The callback: 502 with a message saying what was wrong; nothing stored.
            let query = try await rig.approve()
            try await rig.control("/_sim/fail", Self.hostile)
            let callback = try await rig.client.send(.get, rig.url("/oauth/cf/callback?" + query))
            #expect(callback.status == 502, "\(callback.text)")
            #expect(callback.errorCode == "upstream_error")
            #expect(
                callback.json["error"]?["message"]?.stringValue?.contains("invalid_expires_in") == true,
                "\(callback.text)")
            #expect(try await rig.client.send(.get, rig.url("/healthz")).status == 200)
            #expect(try await Self.version("cf/access_token", in: rig) == access)
            #expect(try await Self.version("cf/refresh_token", in: rig) == refresh)
            #expect(try await rig.call().status == 200)

            // A refresh (Checkfront's clock passes the token's expiry: a 401, then one refresh).
            try await rig.control("/_sim/fail", Self.hostile)
            try await rig.control("/_sim/clock", #"{"advance_seconds": 14001}"#)
            let during = try await rig.call()
            #expect(during.status == 503, "\(during.text)")
            #expect(
                during.json["error"]?["message"]?.stringValue?.contains("invalid_expires_in") == true, "\(during.text)")
            #expect(try await rig.client.send(.get, rig.url("/healthz")).status == 200)
            let health = try await rig.client.send(.get, rig.adminURL("/admin/v1/connections/cf"), headers: rig.admin)
            #expect(health.json["data"]?["state"] == "failing")
            #expect(health.json["data"]?["last_error"] == "invalid_expires_in")
            #expect(
                try await Self.version("cf/refresh_token", in: rig) == refresh,
                "the refresh token held was replaced or lost")

            // The kept refresh token still works once the back-off (1 s) is over.
            var recovered = 0
            for _ in 0..<40 where recovered != 200 {
                try await Task.sleep(for: .milliseconds(250))
                recovered = try await rig.call().status
            }
            #expect(recovered == 200)
            #expect(try await Self.version("cf/refresh_token", in: rig) != refresh)
            #expect(try await rig.stats()["revoked_grants"] == 0)
            #expect(rig.gateway.isRunning)
        } catch {
            await rig.finish()
            throw error
        }
        await rig.finish()
    }
}
