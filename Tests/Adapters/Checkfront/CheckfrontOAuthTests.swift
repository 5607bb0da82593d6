import GatehouseCore
import Testing

@testable import GatehouseCheckfront

/// The OAuth2 behaviour that depends on time and on the knobs, with the adapter, a real vault
/// and the simulator in one process on one clock (``CheckfrontOAuthRig``).
@Suite(.timeLimit(.minutes(2))) struct CheckfrontOAuthTests {
    static let day: Int64 = 86_400

    @Test func aCallInsideTheRefreshMarginRefreshesBeforeUsingTheToken() async throws {
        let rig = try await CheckfrontOAuthRig.start()
        defer { rig.stop() }
        let (adapter, _) = try rig.connection()
        try await rig.authorize(adapter)
        let first = try #require(try rig.vault.entry("cf/access_token")).secret

        // One second before the default 300 s margin: the stored token is used as it is.
        rig.time.advance(seconds: 14_000 - 300 - 1)
        #expect(try await rig.itemName(adapter) == "Sunset Kayak Tour")
        #expect(rig.state.stats.refreshes == 0)

        // Inside the margin: still valid at Checkfront, but refreshed before the call. Rotation
        // kills the old access token, so a call still carrying it would have met a 401.
        rig.time.advance(seconds: 2)
        #expect(try await rig.itemName(adapter) == "Sunset Kayak Tour")
        let stats = rig.state.stats
        #expect(stats.refreshes == 1)
        #expect(stats.apiCalls == 2)
        #expect(stats.apiUnauthorized == 0)
        #expect(try rig.vault.entry("cf/access_token")?.secret != first)
    }

    /// The core's request authorizer: a 401 on a token believed fresh (revoked early, here one
    /// Checkfront never issued) gets one refresh and one retry, and the caller sees only the 200.
    @Test func a401OnATokenBelievedFreshRefreshesOnceAndRetriesOnce() async throws {
        let rig = try await CheckfrontOAuthRig.start()
        defer { rig.stop() }
        let (adapter, health) = try rig.connection()
        try await rig.authorize(adapter)
        let refresh = try #require(try rig.vault.entry("cf/refresh_token")).secret
        try await rig.vault.put(
            "cf/access_token", Secret("at-revoked-early"), expiresAt: rig.time.now.adding(seconds: 10_000),
            by: VaultActor(name: "test", source: .cli))

        #expect(try await rig.itemName(adapter) == "Sunset Kayak Tour")
        var stats = rig.state.stats
        #expect(stats.apiUnauthorized == 1)
        #expect(stats.refreshes == 1)
        #expect(stats.apiCalls == 2)
        #expect(stats.refreshTokensSeen == [refresh.reveal()])
        #expect(try rig.vault.entry("cf/access_token")?.secret != Secret("at-revoked-early"))
        #expect(health.current.state == .ok)
        // The renewed token serves the next call as it is.
        #expect(try await rig.itemName(adapter) == "Sunset Kayak Tour")
        stats = rig.state.stats
        #expect(stats.refreshes == 1)
        #expect(stats.apiUnauthorized == 1)
    }

    /// A 401 whose refresh is refused (the grant was revoked at Checkfront): the caller gets
    /// `needs_reauthorization`, after one refresh attempt and no retry loop.
    @Test func a401WhoseRefreshIsRefusedAsksForReauthorization() async throws {
        let rig = try await CheckfrontOAuthRig.start()
        defer { rig.stop() }
        let (adapter, _) = try rig.connection()
        try await rig.authorize(adapter)
        try await rig.vault.put(
            "cf/access_token", Secret("at-revoked-early"), expiresAt: rig.time.now.adding(seconds: 10_000),
            by: VaultActor(name: "test", source: .cli))
        rig.state.revokeAll()
        let failed = await #expect(throws: GatewayError.self) { try await rig.itemName(adapter) }
        #expect(failed?.code == .needsReauthorization, "\(String(describing: failed))")
        #expect(rig.state.stats.apiUnauthorized == 1)
        #expect(rig.state.stats.tokenCalls == 2)  // the code exchange, then the one refused refresh
        #expect(rig.state.stats.apiCalls == 1)
    }

    @Test func theRefreshMarginIsConfigurable() async throws {
        let rig = try await CheckfrontOAuthRig.start()
        defer { rig.stop() }
        let (adapter, _) = try rig.connection(options: "refresh_margin_seconds: 3600")
        try await rig.authorize(adapter)
        rig.time.advance(seconds: 14_000 - 3_600 - 1)
        #expect(try await rig.itemName(adapter) == "Sunset Kayak Tour")
        #expect(rig.state.stats.refreshes == 0)
        rig.time.advance(seconds: 2)
        #expect(try await rig.itemName(adapter) == "Sunset Kayak Tour")
        #expect(rig.state.stats.refreshes == 1)
        #expect(rig.state.stats.apiUnauthorized == 0)
    }

    @Test func anIdleGrantIsRenewedOnceItsRefreshTokenIsSevenDaysOld() async throws {
        let rig = try await CheckfrontOAuthRig.start()
        defer { rig.stop() }
        let (adapter, health) = try rig.connection()
        try await rig.authorize(adapter)

        // No traffic at all: an expired access token alone is no reason to rotate the grant.
        rig.time.advance(seconds: 7 * Self.day - 60)
        await adapter.maintain()
        #expect(rig.state.stats.tokenCalls == 1)  // the code exchange only
        rig.time.advance(seconds: 60)
        await adapter.maintain()
        #expect(rig.state.stats.refreshes == 1)
        #expect(health.current.state == .ok)
        #expect(health.current.expiries["refresh_token"] == Timestamp(seconds: rig.time.now.seconds + 14 * Self.day))
        await adapter.maintain()
        #expect(rig.state.stats.refreshes == 1)

        // A month of silence, maintenance once a day: renewed every 7 days, never lapsing.
        for _ in 0..<30 {
            rig.time.advance(seconds: Self.day)
            await adapter.maintain()
        }
        let stats = rig.state.stats
        #expect(stats.refreshes == 5)
        #expect(stats.apiCalls == 0)
        #expect(stats.revokedGrants == 0)
        #expect(health.current.warning == nil)
        #expect(try await rig.itemName(adapter) == "Sunset Kayak Tour")
    }

    @Test func aRefreshTokenCloseToItsLapseIsWarnedAboutUntilARefreshWorks() async throws {
        let rig = try await CheckfrontOAuthRig.start()
        defer { rig.stop() }
        let (adapter, health) = try rig.connection()
        try await rig.authorize(adapter)
        let refresh = try #require(try rig.vault.entry("cf/refresh_token")).secret.reveal()
        let lapse = Timestamp(seconds: rig.time.now.seconds + 14 * Self.day)
        rig.state.failTokenEndpoint(times: 2, status: 503)

        // Ten days old, the renewal fails: four days left, no warning yet (default 3 days).
        rig.time.advance(seconds: 10 * Self.day)
        await adapter.maintain()
        #expect(rig.state.stats.tokenCalls == 2)
        #expect(health.current.state == .failing)
        #expect(health.current.warning == nil)

        // Eleven days and a bit: the warning names the lapse, never a token.
        rig.time.advance(seconds: Self.day + 60)
        await adapter.maintain()
        #expect(rig.state.stats.tokenCalls == 3)
        let warning = try #require(health.current.warning)
        #expect(warning.contains(lapse.iso8601))
        #expect(warning.contains("/oauth/cf/start"))
        #expect(!warning.contains(refresh))
        #expect(!"\(health.current.value)".contains(refresh))

        // Checkfront recovers: the next round renews the grant and the warning goes.
        rig.time.advance(seconds: 120)
        await adapter.maintain()
        #expect(rig.state.stats.refreshes == 1)
        #expect(health.current.state == .ok)
        #expect(health.current.warning == nil)
    }

    @Test func clientCredentialsGoToTheTokenEndpointInTheConfiguredForm() async throws {
        // Characters that form-urlencoding changes: `:` `+` `/` and a space.
        let secret = "s3:cr+et/with space"
        let rig = try await CheckfrontOAuthRig.start(clientSecret: secret)
        defer { rig.stop() }
        for (mode, options) in [
            ("basic", ""), ("basic_rfc6749", "client_auth: basic_rfc6749"), ("post", "client_auth: post"),
        ] {
            rig.state.reset()
            let (adapter, _) = try rig.connection("cf\(mode.filter(\.isLetter))", options: options)
            try await rig.authorize(adapter)
            rig.time.advance(seconds: 14_000)
            #expect(try await rig.itemName(adapter) == "Sunset Kayak Tour", "\(mode)")
            let stats = rig.state.stats
            #expect(stats.codeExchanges == 1, "\(mode)")
            #expect(stats.refreshes == 1, "\(mode)")
            #expect(stats.clientAuthentications == [mode, mode])
            #expect(stats.tokenCallsWithAuthorization == (mode == "post" ? 0 : 2), "\(mode)")
            #expect(stats.tokenCallsWithSecretInBody == (mode == "post" ? 2 : 0), "\(mode)")
            #expect(stats.consumerSecretOnAPI == 0, "\(mode)")
        }
    }

    @Test func theRFC6749FormEncodesEachPartBeforeBase64() {
        // base64("a+b:s3%3Acr%2Bet%2Fwith+space") and base64("a b:s3:cr+et/with space").
        #expect(
            OAuth2TokenEndpoint.authorization(clientID: "a b", secret: "s3:cr+et/with space", using: .basicRFC6749)
                == "Basic YStiOnMzJTNBY3IlMkJldCUyRndpdGgrc3BhY2U=")
        #expect(
            OAuth2TokenEndpoint.authorization(clientID: "a b", secret: "s3:cr+et/with space", using: .basic)
                == "Basic YSBiOnMzOmNyK2V0L3dpdGggc3BhY2U=")
        #expect(OAuth2TokenEndpoint.authorization(clientID: "a b", secret: "s3:cr+et/with space", using: .post) == nil)
    }

    @Test func requireStateFalseAcceptsACallbackWithoutState() async throws {
        let rig = try await CheckfrontOAuthRig.start()
        defer { rig.stop() }
        func withoutState(_ query: [(name: String, value: String)]) -> EndpointRequest {
            EndpointRequest(name: "callback", query: query.filter { $0.name != "state" })
        }

        // The default refuses it, without calling the token endpoint.
        let (strict, _) = try rig.connection("cfstrict")
        let refused = await #expect(throws: GatewayError.self) {
            try await strict.endpoint(withoutState(try await rig.approve(strict)))
        }
        #expect(refused?.code == .badRequest)
        #expect(refused?.message.contains("no state") == true)
        #expect(rig.state.stats.tokenCalls == 0)
        #expect(try rig.vault.entry("cfstrict/access_token") == nil)

        // require_state: false (servers that do not echo it): accepted, and the connection works.
        let (lenient, health) = try rig.connection("cflenient", options: "require_state: false")
        let page = try await lenient.endpoint(withoutState(try await rig.approve(lenient)))
        #expect(page.status == 200)
        #expect(String(decoding: page.body, as: UTF8.self).contains("authorized"))
        #expect(rig.state.stats.codeExchanges == 1)
        #expect(health.current.state == .ok)
        #expect(try await rig.itemName(lenient) == "Sunset Kayak Tour")
        // A state that is there is still checked.
        let forged = await #expect(throws: GatewayError.self) {
            try await lenient.endpoint(EndpointRequest(name: "callback", query: [("code", "x"), ("state", "forged")]))
        }
        #expect(forged?.code == .badRequest)
        #expect(rig.state.stats.tokenCalls == 1)
    }
}
