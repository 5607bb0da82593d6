import GatehouseCore
import HTTPTypes
import Logging
import NIOCore
import Synchronization
import Testing

/// The core's credential lifecycle (`ObtainedCredential`, `RequestAuthorizer`) on a real vault
/// (an SQLite file) and a clock the test moves. The renewal, what an adapter supplies (its
/// token call), and the upstream are in-process stand-ins that count their calls.
@Suite(.timeLimit(.minutes(2))) struct ObtainedCredentialTests {
    struct Unavailable: Error {}

    /// A credential `crm/jwt` whose renewals answer what `outcomes` says, in turn, and count.
    final class Rig: Sendable {
        let clock: TestClock
        let test: TestVault
        let health: ConnectionHealth
        let credential: ObtainedCredential
        let renewals: Renewals

        enum RenewalScript: Sendable {
            case renew
            case unavailable
            case refused
        }

        /// The renewals made: how many, the health state seen inside each, and what is next.
        final class Renewals: Sendable {
            private let state: Mutex<(count: Int, states: [ConnectionHealth.State], script: [RenewalScript])>

            init(_ script: [RenewalScript]) { self.state = Mutex((0, [], script)) }

            var count: Int { self.state.withLock { $0.count } }
            var statesDuring: [ConnectionHealth.State] { self.state.withLock { $0.states } }

            /// Counts one renewal seeing `health`; its number and what it does.
            func next(seeing health: ConnectionHealth.State) -> (Int, RenewalScript) {
                self.state.withLock { state in
                    state.count += 1
                    state.states.append(health)
                    return (state.count, state.script.isEmpty ? .renew : state.script.removeFirst())
                }
            }
        }

        /// `stored` expiring in `expiresIn` seconds; each renewal does what `script` says in turn
        /// (then `.renew`): store and return a new value, or fail as given.
        init(stored: String?, expiresIn: Int64, script: [RenewalScript] = []) async throws {
            let clock = TestClock()
            let test = try await TestVault.make(.sqlite, now: { clock.now })
            if let stored {
                try await test.vault.put(
                    "crm/jwt", Secret(stored), expiresAt: clock.now.adding(seconds: expiresIn), by: TestVault.actor)
            }
            let health = ConnectionHealth()
            let renewals = Renewals(script)
            let vault = test.vault
            self.clock = clock
            self.test = test
            self.health = health
            self.credential = ObtainedCredential(
                name: "crm/jwt", describedAs: "the CRM token endpoint", connection: "crm", vault: vault,
                health: health, marginSeconds: 300, logger: Logger(label: "test.credential"), now: { clock.now },
                stored: {
                    try vault.entry("crm/jwt").map { .init(value: $0.secret, expiresAt: $0.metadata.expiresAt) }
                },
                renew: { renewal in
                    let (number, step) = renewals.next(seeing: health.current.state)
                    switch step {
                    case .renew:
                        let value = Secret("renewed-\(number)")
                        let expiry = clock.now.adding(seconds: 3600)
                        try await vault.put(
                            [.init(path: "crm/jwt", value: value, expiresAt: expiry)], by: TestVault.actor,
                            under: renewal.lease)
                        return .renewed(value, expiries: ["jwt": expiry])
                    case .unavailable:
                        return .unavailable(
                            GatewayError(
                                .upstreamUnreachable, "the CRM token endpoint answered 503", connection: "crm"),
                            kind: "upstream_5xx")
                    case .refused:
                        return .refused(
                            GatewayError(.needsReauthorization, "the grant was refused", connection: "crm"),
                            kind: "invalid_grant")
                    }
                })
            self.renewals = renewals
        }

        var count: Int { self.renewals.count }
    }

    @Test func aFreshStoredCredentialIsUsedWithoutARenewal() async throws {
        let rig = try await Rig(stored: "stored-jwt", expiresIn: 3600)
        #expect(try await rig.credential.current().reveal() == "stored-jwt")
        #expect(rig.count == 0)
        #expect(rig.health.current.state == .ok)
    }

    @Test func withinTheMarginOneRenewalStoresTheNewValueAndReportsOK() async throws {
        let rig = try await Rig(stored: "stored-jwt", expiresIn: 200)
        let values = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<10 { group.addTask { try await rig.credential.current().reveal() } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(values == Array(repeating: "renewed-1", count: 10))
        #expect(rig.count == 1)
        #expect(rig.renewals.statesDuring == [.refreshing])
        #expect(rig.health.current.state == .ok)
        #expect(rig.health.current.expiries["jwt"] == rig.clock.now.adding(seconds: 3600))
        #expect(try rig.test.vault.entry("crm/jwt")?.secret.reveal() == "renewed-1")
        // The renewed value is fresh: the next call renews nothing.
        #expect(try await rig.credential.current().reveal() == "renewed-1")
        #expect(rig.count == 1)
    }

    @Test func duringTheBackOffNoRenewalIsMadeAndTheUnexpiredValueServes() async throws {
        let rig = try await Rig(stored: "stored-jwt", expiresIn: 200, script: [.unavailable, .unavailable])
        // The first failure: the stored value (expired only by the margin) still serves.
        #expect(try await rig.credential.current().reveal() == "stored-jwt")
        #expect(rig.count == 1)
        #expect(rig.health.current.state == .failing)
        #expect(rig.health.current.lastError == "upstream_5xx")
        #expect(rig.credential.isBackingOff)
        // Paused for 1 s: callers get the stored value and the token endpoint no call.
        for _ in 0..<5 { #expect(try await rig.credential.current().reveal() == "stored-jwt") }
        #expect(rig.count == 1)
        // After 1 s one more try fails: now paused for 2 s.
        rig.clock.advance(1)
        #expect(try await rig.credential.current().reveal() == "stored-jwt")
        #expect(rig.count == 2)
        rig.clock.advance(1)
        #expect(try await rig.credential.current().reveal() == "stored-jwt")
        #expect(rig.count == 2)
        // After the pause a renewal succeeds: ok again, and the back-off is forgotten.
        rig.clock.advance(1)
        #expect(try await rig.credential.current().reveal() == "renewed-3")
        #expect(rig.count == 3)
        #expect(rig.health.current.state == .ok)
        #expect(!rig.credential.isBackingOff)
    }

    @Test func duringTheBackOffAnExpiredValueIsNotSentAndCallersAreToldWhen() async throws {
        let rig = try await Rig(stored: "stored-jwt", expiresIn: 1, script: [.unavailable])
        rig.clock.advance(2)
        await #expect(throws: GatewayError.self) { try await rig.credential.current() }
        #expect(rig.count == 1)
        do {
            _ = try await rig.credential.current()
            Issue.record("an expired credential was served during the back-off")
        } catch let error as GatewayError {
            #expect(error.code == .unavailable)
            #expect(error.message.contains("is failing; retrying after"), "\(error.message)")
        }
        #expect(rig.count == 1, "a renewal was made during the back-off")
        #expect(rig.health.current.state == .failing)
    }

    @Test func aRefusalAsksForReauthorizationAndReachesTheCaller() async throws {
        let rig = try await Rig(stored: "stored-jwt", expiresIn: 1, script: [.refused])
        rig.clock.advance(2)
        do {
            _ = try await rig.credential.current()
            Issue.record("a refused renewal served a credential")
        } catch let error as GatewayError {
            #expect(error.code == .needsReauthorization)
        }
        #expect(rig.health.current.state == .needsReauthorization)
        #expect(rig.health.current.lastError == "invalid_grant")
        #expect(rig.health.current.expiries.isEmpty)
    }

    // MARK: RequestAuthorizer

    /// The upstream: 401 to every token but `accepted`; records the Authorization of each call.
    final class Upstream: UpstreamTransport {
        let accepted: String?
        let seen = Mutex<[String]>([])

        init(accepting accepted: String?) { self.accepted = accepted }

        func send(_ request: UpstreamRequest) async throws -> UpstreamResponse {
            let authorization = request.headers[.authorization] ?? ""
            self.seen.withLock { $0.append(authorization) }
            let status = authorization == "Bearer \(self.accepted ?? "")" ? 200 : 401
            return UpstreamResponse(status: status, headers: [:], body: .from(ByteBuffer()))
        }
    }

    func authorizer(_ rig: Rig, _ upstream: Upstream) throws -> RequestAuthorizer {
        let client = UpstreamClient(
            connection: "crm", baseURL: try #require(BaseURL("http://127.0.0.1:9/api")), transport: upstream,
            options: TransportOptions(), followRedirects: false, maxResponseBytes: 1 << 20)
        return RequestAuthorizer(client: client, credential: rig.credential) { BearerSigner(token: $0) }
    }

    @Test func a401RenewsOnceAndRetriesOnceWithTheNewCredential() async throws {
        let rig = try await Rig(stored: "revoked-early", expiresIn: 3600)
        let upstream = Upstream(accepting: "renewed-1")
        let response = try await self.authorizer(rig, upstream).send(
            UpstreamRequest(method: .post, url: "http://127.0.0.1:9/api/orders", body: .bytes(ByteBuffer(string: "{}")))
        )
        #expect(response.status == 200)
        #expect(rig.count == 1)
        #expect(upstream.seen.withLock { $0 } == ["Bearer revoked-early", "Bearer renewed-1"])
    }

    @Test func aSecond401IsPassedBackNotRetriedAgain() async throws {
        let rig = try await Rig(stored: "revoked-early", expiresIn: 3600)
        let upstream = Upstream(accepting: nil)
        let response = try await self.authorizer(rig, upstream).send(
            UpstreamRequest(method: .get, url: "http://127.0.0.1:9/api/orders"))
        #expect(response.status == 401)
        #expect(rig.count == 1)
        #expect(upstream.seen.withLock { $0 } == ["Bearer revoked-early", "Bearer renewed-1"])
        // The next call starts from the renewed credential: one more renewal, one more retry.
        _ = try await self.authorizer(rig, upstream).send(
            UpstreamRequest(method: .get, url: "http://127.0.0.1:9/api/a"))
        #expect(rig.count == 2)
        #expect(upstream.seen.withLock { $0.count } == 4)
    }
}
