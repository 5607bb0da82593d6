import GatehouseCheckfrontSimulator
import GatehouseCore
import Testing

@testable import GatehouseCheckfront

/// What a broken or hostile token endpoint or callback can do to a working grant: nothing.
/// Adapter, real vault, real transport and the simulator in one process (``CheckfrontOAuthRig``).
@Suite(.timeLimit(.minutes(2))) struct CheckfrontGrantSafetyTests {
    /// `expires_in` values no token endpoint should send, as the JSON the simulator answers.
    static let hostileLifetimes: [Value] = [
        .number("9223372036854775807"), .number("9223372036854775808"), .number("-9223372036854775808"), .number("-1"),
        .number("0"),
        .number("1.5"), .number("1e9"), .number("31536001"), .string("9223372036854775807"), .string("soon"),
        .string(""), .bool(true),
        .array([3600]), .object(["seconds": 3600]),
    ]

    @Test func lifetimesAreWholeSecondsWithinAYear() {
        #expect(OAuth2TokenEndpoint.lifetime(nil, default: CheckfrontOAuth.defaultLifetime) == 14_000)
        #expect(OAuth2TokenEndpoint.lifetime(.null, default: CheckfrontOAuth.defaultLifetime) == 14_000)
        #expect(OAuth2TokenEndpoint.lifetime(.number("3600"), default: CheckfrontOAuth.defaultLifetime) == 3600)
        #expect(OAuth2TokenEndpoint.lifetime(.string("3600"), default: CheckfrontOAuth.defaultLifetime) == 3600)
        #expect(
            OAuth2TokenEndpoint.lifetime(.number("31536000"), default: CheckfrontOAuth.defaultLifetime) == 31_536_000)
        for value in Self.hostileLifetimes {
            #expect(OAuth2TokenEndpoint.lifetime(value, default: CheckfrontOAuth.defaultLifetime) == nil, "\(value)")
        }
    }

    @Test func aHostileExpiresInDuringTheCallbackIsA502AndKeepsTheTokens() async throws {
        let rig = try await CheckfrontOAuthRig.start()
        defer { rig.stop() }
        let (adapter, health) = try rig.connection()
        try await rig.authorize(adapter)
        let access = try #require(try rig.vault.entry("cf/access_token"))
        let refresh = try #require(try rig.vault.entry("cf/refresh_token"))
        for lifetime in Self.hostileLifetimes {
            let query = try await rig.approve(adapter)
            rig.state.answerTokenEndpoint(expiresIn: lifetime)
            let refused = await #expect(throws: GatewayError.self, "\(lifetime)") {
                try await adapter.endpoint(EndpointRequest(name: "callback", query: query))
            }
            #expect(refused?.code == .upstreamError, "\(lifetime)")
            #expect(refused?.message.contains("invalid_expires_in") == true, "\(lifetime): \(refused?.message ?? "")")
            // The grant in the vault is the one from before, and it still works.
            #expect(try rig.vault.entry("cf/access_token")?.secret == access.secret)
            #expect(try rig.vault.entry("cf/access_token")?.metadata.version == access.metadata.version)
            #expect(try rig.vault.entry("cf/refresh_token")?.secret == refresh.secret)
            #expect(health.current.state == .ok)
        }
        #expect(try await rig.itemName(adapter) == "Sunset Kayak Tour")
        #expect(rig.state.stats.refreshes == 0)
    }

    @Test func aHostileExpiresInDuringARefreshKeepsTheTokensAndTheNextRefreshWorks() async throws {
        let rig = try await CheckfrontOAuthRig.start()
        defer { rig.stop() }
        let (adapter, health) = try rig.connection()
        try await rig.authorize(adapter)
        for lifetime in Self.hostileLifetimes {
            let refresh = try #require(try rig.vault.entry("cf/refresh_token"))
            // The access token is past its time: the call must refresh, and meets the hostile answer.
            rig.time.advance(seconds: 14_001)
            rig.state.answerTokenEndpoint(expiresIn: lifetime)
            let failed = await #expect(throws: GatewayError.self, "\(lifetime)") { try await rig.itemName(adapter) }
            #expect(failed?.code == .unavailable, "\(lifetime)")
            #expect(failed?.message.contains("invalid_expires_in") == true, "\(lifetime): \(failed?.message ?? "")")
            #expect(failed?.message.contains("kept") == true)
            #expect(health.current.state == .failing)
            #expect(health.current.lastError == "invalid_expires_in")
            // The refresh token held before is still the one in the vault...
            #expect(try rig.vault.entry("cf/refresh_token")?.secret == refresh.secret)
            // ...and after the back-off, a sound answer to it restores the connection.
            rig.time.advance(seconds: 120)
            #expect(try await rig.itemName(adapter) == "Sunset Kayak Tour", "\(lifetime)")
            #expect(health.current.state == .ok)
        }
        #expect(rig.state.stats.revokedGrants == 0)
        #expect(rig.state.stats.refreshes == Self.hostileLifetimes.count)
    }

    @Test func theBackgroundRenewalMeetingAHostileExpiresInKeepsTheGrant() async throws {
        let rig = try await CheckfrontOAuthRig.start()
        defer { rig.stop() }
        let (adapter, health) = try rig.connection()
        try await rig.authorize(adapter)
        let refresh = try #require(try rig.vault.entry("cf/refresh_token"))
        rig.time.advance(seconds: 7 * 86_400)
        rig.state.answerTokenEndpoint(expiresIn: .number("9223372036854775807"))
        await adapter.maintain()
        #expect(health.current.state == .failing)
        #expect(try rig.vault.entry("cf/refresh_token")?.secret == refresh.secret)
        rig.time.advance(seconds: 120)
        await adapter.maintain()
        #expect(health.current.state == .ok)
        #expect(try rig.vault.entry("cf/refresh_token")?.secret != refresh.secret)
        #expect(try await rig.itemName(adapter) == "Sunset Kayak Tour")
    }

    @Test func withoutStateACallbackCannotReplaceAWorkingGrant() async throws {
        let rig = try await CheckfrontOAuthRig.start()
        defer { rig.stop() }
        func withoutState(_ query: [(name: String, value: String)]) -> EndpointRequest {
            EndpointRequest(name: "callback", query: query.filter { $0.name != "state" })
        }
        let (adapter, health) = try rig.connection(options: "require_state: false")
        // No grant yet: a callback without state sets one up.
        #expect(try await adapter.endpoint(withoutState(try await rig.approve(adapter))).status == 200)
        let access = try #require(try rig.vault.entry("cf/access_token"))
        let refresh = try #require(try rig.vault.entry("cf/refresh_token"))

        // A second one (someone else's code) is refused before anything is sent to Checkfront.
        let calls = rig.state.stats.tokenCalls
        let refused = await #expect(throws: GatewayError.self) {
            try await adapter.endpoint(withoutState(try await rig.approve(adapter)))
        }
        #expect(refused?.code == .conflict)
        #expect(refused?.message.contains("already holds a working grant") == true)
        #expect(rig.state.stats.tokenCalls == calls)
        #expect(try rig.vault.entry("cf/access_token")?.secret == access.secret)
        #expect(try rig.vault.entry("cf/refresh_token")?.secret == refresh.secret)
        #expect(health.current.state == .ok)
        #expect(try await rig.itemName(adapter) == "Sunset Kayak Tour")

        // An operator's /start (with its state) may still replace it.
        try await rig.authorize(adapter)
        #expect(try rig.vault.entry("cf/refresh_token")?.secret != refresh.secret)

        // Once the grant is dead, a callback without state may set up a new one.
        rig.state.revokeAll()
        rig.time.advance(seconds: 14_001)
        await #expect(throws: GatewayError.self) { try await rig.itemName(adapter) }
        #expect(health.current.state == .needsReauthorization)
        #expect(try await adapter.endpoint(withoutState(try await rig.approve(adapter))).status == 200)
        #expect(health.current.state == .ok)
        #expect(try await rig.itemName(adapter) == "Sunset Kayak Tour")
    }

    @Test func aRefusedRefreshKeepsTheRefreshTokenUntilTheOperatorActs() async throws {
        let rig = try await CheckfrontOAuthRig.start()
        defer { rig.stop() }
        let (adapter, health) = try rig.connection()
        try await rig.authorize(adapter)
        let refresh = try #require(try rig.vault.entry("cf/refresh_token"))
        rig.state.revokeAll()
        rig.time.advance(seconds: 14_001)
        let refused = await #expect(throws: GatewayError.self) { try await rig.itemName(adapter) }
        #expect(refused?.code == .needsReauthorization)
        #expect(health.current.state == .needsReauthorization)
        #expect(health.current.lastError == "invalid_grant")
        // The refresh token is still there for the operator; the dead access token is not.
        #expect(try rig.vault.entry("cf/refresh_token")?.secret == refresh.secret)
        #expect(try rig.vault.entry("cf/access_token") == nil)
        // No more token calls, on traffic or in the background.
        let calls = rig.state.stats.tokenCalls
        await #expect(throws: GatewayError.self) { try await rig.itemName(adapter) }
        rig.time.advance(seconds: 7 * 86_400)
        await adapter.maintain()
        #expect(rig.state.stats.tokenCalls == calls)
        #expect(try rig.vault.entry("cf/refresh_token")?.secret == refresh.secret)

        // Re-authorizing replaces it.
        try await rig.authorize(adapter)
        #expect(try rig.vault.entry("cf/refresh_token")?.secret != refresh.secret)
        #expect(health.current.state == .ok)
        #expect(try await rig.itemName(adapter) == "Sunset Kayak Tour")
    }

    /// Every integer option, with Int64.max, 2^63, -1, Int64.min, 1.5, 1e9 and text: `file:line: key: message`.
    @Test(arguments: ["refresh_margin_seconds", "refresh_after_days", "warn_before_days"])
    func everyIntegerOptionRefusesHostileNumbersWithFileAndLine(key: String) throws {
        for value in ["9223372036854775807", "9223372036854775808", "-1", "-9223372036854775808", "1.5", "1e9", "abc"] {
            let yaml =
                """
                connections:\n  c:\n    adapter: checkfront\n    base_url: http://127.0.0.1:9\n    options:\n      \
                auth: oauth2\n      \(key): \(value)\n
                """
            let connection = try GatewayConfiguration.load(
                text: yaml, file: "gatehouse.yaml", adapterKinds: ["checkfront"]
            ).connections[0]
            var options = try #require(connection.options).map()
            do {
                _ = try CheckfrontAdapter.Configuration(options: &options)
                Issue.record("\(key): \(value) was accepted")
            } catch {
                #expect(
                    error.description.hasPrefix("gatehouse.yaml:7: connections.c.options.\(key): "),
                    "\(key) = \(value): \(error)")
            }
        }
    }
}
