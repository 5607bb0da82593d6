import GatehouseCore
import GatehouseCrypto
import GatehouseCurl
import GatehouseSQLite
import GatehouseTestSupport
import HTTPTypes
import Logging
import Testing

@testable import GatehouseKeyfax

/// Keyfax's numbers from outside (JWT `exp`, the `Date` header, the rotation record read back
/// from the vault) and the strength of the web hook secret.
@Suite(.timeLimit(.minutes(1))) struct KeyfaxOutsideInputTests {
    static let actor = VaultActor(name: "test", source: .cli)

    /// A Keyfax connection whose `hook_secret` is `env:KF_HOOK` = `hookSecret`, on a fresh vault.
    static func adapter(hookSecret: String) async throws -> KeyfaxAdapter {
        let directory = try TemporaryDirectory.make()
        let vault = try await Vault.initialize(
            store: try SQLiteCredentialStore(path: directory + "/vault.db", create: true),
            masterKey: MasterKey.generate(), by: Self.actor)
        let config = try GatewayConfiguration.load(
            text: """
                connections:
                  kf:
                    adapter: keyfax
                    base_url: http://127.0.0.1:9/interview
                    credentials:
                      hook_secret: env:KF_HOOK
                    options: { host_name: Dev }
                """,
            file: "gatehouse.yaml", adapterKinds: ["keyfax"])
        let connection = config.connections[0]
        var logger = Logger(label: "test.keyfax")
        logger.logLevel = .critical
        let transport = CurlTransport(logger: logger)
        defer { transport.shutdown() }
        let setup = AdapterSetup(
            connection: connection,
            client: UpstreamClient(
                connection: "kf", baseURL: connection.baseURL, transport: transport, options: connection.transport,
                followRedirects: false, maxResponseBytes: connection.maxResponseBytes),
            credentials: Credentials(
                connection: "kf", references: ["hook_secret": .environment("KF_HOOK")],
                source: EnvironmentSecretSource(environment: ["KF_HOOK": hookSecret])),
            logger: logger, vault: vault)
        return try KeyfaxAdapter(setup: setup)
    }

    @Test func aHookSecretShorterThan32BytesIsAConfigErrorWithFileAndLine() async throws {
        for secret in ["x", "short-secret", String(repeating: "a", count: 31), "ünïcödé-ünïcödé-1"] {
            do {
                _ = try await Self.adapter(hookSecret: secret)
                Issue.record("a \(secret.utf8.count)-byte hook_secret was accepted")
            } catch let error as ConfigError {
                #expect(
                    error.description.hasPrefix("gatehouse.yaml:6: connections.kf.credentials.hook_secret: "),
                    "\(error)")
                #expect(error.message.contains("at least 32 bytes"))
                if secret.count > 8 { #expect(!error.description.contains(secret), "the secret is in the message") }
            }
        }
        _ = try await Self.adapter(hookSecret: String(repeating: "a", count: 32))
        _ = try await Self.adapter(hookSecret: Hex.encode(SecureRandom.bytes(32)))
    }

    @Test func jwtExpiriesOutsideAnyCalendarAreIgnored() {
        func token(_ claims: String) -> String {
            "eyJhbGciOiJIUzI1NiJ9." + Base64.urlEncode(Array(claims.utf8)) + ".c2ln"
        }
        let issued = Timestamp(seconds: 1_800_000_000)
        for exp in [
            "9223372036854775807", "-9223372036854775808", "1e300", "1e15", "\"1800000000\"", "null", "true", "[1]",
        ] {
            #expect(KeyfaxJWT.expiry(of: token(#"{"exp": \#(exp)}"#)) == nil, "\(exp)")
            #expect(
                KeyfaxJWT.expiry(of: token(#"{"exp": \#(exp)}"#), issuedAt: issued) == issued.adding(seconds: 86_400),
                "\(exp)")
        }
        #expect(KeyfaxJWT.expiry(of: token(#"{"exp": 1800003600.5}"#)) == Timestamp(seconds: 1_800_003_600))
        #expect(KeyfaxJWT.expiry(of: token(#"{"exp": -1}"#)) == Timestamp(seconds: -1))
        // A clock at the end of time does not trap either.
        #expect(KeyfaxJWT.expiry(of: "not a jwt", issuedAt: Timestamp(seconds: .max)) == Timestamp(seconds: .max))
    }

    @Test func aDateHeaderMoreThanADayOffIsNotAClock() {
        let clock = KeyfaxClock(now: { Timestamp(seconds: 1_800_000_000) })
        let base = clock.signingTimestamp
        for date in [
            "Mon, 01 Jan 0001 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT",
            "Sun, 99999999999999999999 Nov 1994 08:49:37 GMT",
            "Sun, -1 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 99:49:37 GMT", "soon",
        ] {
            #expect(!clock.learn(from: [.date: date]), "\(date)")
            #expect(clock.signingTimestamp == base, "\(date)")
        }
        // 90 s ahead is a clock: learned.
        let ahead = Timestamp(seconds: 1_800_000_090)
        let text = Self.imfFixdate(ahead)
        #expect(clock.learn(from: [.date: text]), "\(text)")
        #expect(clock.signingTimestamp == base + 90)
    }

    @Test func aRotationRecordWithAHostileTimeIsNoRotation() async throws {
        let directory = try TemporaryDirectory.make()
        let vault = try await Vault.initialize(
            store: try SQLiteCredentialStore(path: directory + "/vault.db", create: true),
            masterKey: MasterKey.generate(), by: Self.actor)
        let store = KeyfaxKeyStore(connection: "kf", vault: vault, rotationWindowSeconds: 900)
        let now = Timestamp(seconds: 1_800_000_000)
        for requestedAt in ["-9223372036854775808", "9223372036854775807", "1800000600", "1.5", "\"1800000000\""] {
            try await vault.put("kf/rotation", Secret(#"{"requested_at": \#(requestedAt)}"#), by: Self.actor)
            #expect(store.rotation(now: now) == nil, "\(requestedAt)")
        }
        try await vault.put("kf/rotation", Secret(#"{"requested_at": 1799999500}"#), by: Self.actor)
        #expect(store.rotation(now: now)?.requestedAt == 1_799_999_500)
    }

    static func imfFixdate(_ time: Timestamp) -> String {
        // 2027-01-15T08:00:00Z → "Fri, 15 Jan 2027 08:00:00 GMT" (the weekday is not checked).
        let iso = time.iso8601
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let month = months[Int(iso.dropFirst(5).prefix(2))! - 1]
        return "Mon, \(iso.dropFirst(8).prefix(2)) \(month) \(iso.prefix(4)) \(iso.dropFirst(11).prefix(8)) GMT"
    }

    /// Every integer option, with Int64.max, 2^63, -1, Int64.min, 1.5, 1e9 and text: `file:line: key: message`.
    @Test(arguments: ["renew_margin_seconds"]) func everyIntegerOptionRefusesHostileNumbersWithFileAndLine(key: String)
        throws
    {
        for value in ["9223372036854775807", "9223372036854775808", "-1", "-9223372036854775808", "1.5", "1e9", "abc"] {
            let yaml =
                """
                connections:\n  c:\n    adapter: keyfax\n    base_url: http://127.0.0.1:9\n    options:\n      \
                host_name: Dev\n      \(key): \(value)\n
                """
            let connection = try GatewayConfiguration.load(text: yaml, file: "gatehouse.yaml", adapterKinds: ["keyfax"])
                .connections[0]
            var options = try #require(connection.options).map()
            do {
                _ = try KeyfaxAdapter.Configuration(options: &options)
                Issue.record("\(key): \(value) was accepted")
            } catch {
                #expect(
                    error.description.hasPrefix("gatehouse.yaml:7: connections.c.options.\(key): "),
                    "\(key) = \(value): \(error)")
            }
        }
    }
}
