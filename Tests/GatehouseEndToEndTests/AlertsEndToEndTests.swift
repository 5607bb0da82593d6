import Foundation
import GatehouseCore
import GatehouseCrypto
import GatehouseTestSupport
import Testing

/// Credential health alerts with the real binary: the Checkfront connection's grant is revoked
/// and re-authorized, and a real loopback receiver gets signed events.
@Suite(.serialized, .timeLimit(.minutes(5))) struct AlertsEndToEndTests {
    static let secretVariable = "GATEHOUSE_TEST_ALERT_SECRET"
    static let secret = "alert-signing-secret-" + UUID().uuidString

    /// The gateway's environment for ``alerts(url:attempts:)`` (never `setenv` in the test
    /// process: other tests start processes meanwhile, and Foundation's `Process.run` copying
    /// an environment that `setenv` reallocates crashed the test process).
    static let environment = [Self.secretVariable: Self.secret]

    static func alerts(url: String, attempts: Int = 6) -> String {
        """
        alerts:
          check_interval_ms: 100
          webhook: { url: "\(url)", secret: env:\(Self.secretVariable), max_attempts: \(attempts), retry_delay_ms: \
        50, max_retry_delay_ms: 200 }
        """
    }

    /// The events the receiver got whose signature checks out, as the receiver checks it:
    /// HMAC-SHA256 under the secret of "<X-Gatehouse-Timestamp>.<body>".
    static func verified(_ receiver: EchoFixture) -> [(event: Value, delivery: String)] {
        receiver.recorder.all.compactMap { entry in
            guard let timestamp = entry.header("X-Gatehouse-Timestamp"),
                let signature = entry.header("X-Gatehouse-Signature"),
                let body = entry.body
            else { return nil }
            let expected =
                "sha256="
                + Hex.encode(
                    HMAC.authenticationCode(
                        .sha256, key: Array(Self.secret.utf8), message: Array((timestamp + ".").utf8) + body))
            guard ConstantTime.equals(Array(signature.utf8), Array(expected.utf8)), let event = try? JSON.parse(body)
            else { return nil }
            return (event, entry.header("X-Gatehouse-Delivery") ?? "")
        }
    }

    static func waitFor(_ what: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while !what(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
    }

    @Test func stateChangesArePostedSignedAndLogged() async throws {
        let receiver = try await EchoFixture.start()
        let rig = try await CheckfrontEndToEndTests.Rig.start(
            extra: Self.alerts(url: receiver.baseURL + "/hooks/gatehouse"), environment: Self.environment)
        try await rig.authorize()
        #expect(try await rig.call().status == 200)
        func seen(_ state: String, after previous: String) -> Bool {
            Self.verified(receiver).contains {
                $0.event["connection"] == "cf" && $0.event["state"] == .string(state)
                    && $0.event["previous_state"] == .string(previous)
            }
        }
        // Not yet authorized at start-up, then authorized: both seen (the watcher looks every 100 ms).
        try await Self.waitFor { seen("ok", after: "needs_reauthorization") }
        #expect(seen("ok", after: "needs_reauthorization"))
        // The grant is revoked: needs_reauthorization.
        try await rig.control("/_sim/revoke")
        try await rig.control("/_sim/clock", #"{"advance_seconds": 14001}"#)
        #expect(try await rig.call().errorCode == "needs_reauthorization")
        func revokedSeen() -> Bool {
            Self.verified(receiver).contains {
                $0.event["state"] == "needs_reauthorization" && $0.event["last_error"] == "invalid_grant"
            }
        }
        try await Self.waitFor { revokedSeen() }
        #expect(revokedSeen(), "\(receiver.recorder.all.map { String(decoding: $0.body ?? [], as: UTF8.self) })")
        // Re-authorized: back to ok.
        try await rig.authorize()
        #expect(try await rig.call().status == 200)
        try await Self.waitFor {
            Self.verified(receiver).contains {
                $0.event["state"] == "ok" && $0.event["previous_state"] == "needs_reauthorization"
            }
        }
        let events = Self.verified(receiver)
        #expect(events.contains { $0.event["state"] == "ok" && $0.event["previous_state"] == "needs_reauthorization" })
        // Every delivery was signed, went to the receiver's path, and carried no credential.
        #expect(events.count == receiver.recorder.all.count, "a delivery's signature did not check out")
        for entry in receiver.recorder.all {
            #expect(entry.method == "POST" && entry.path == "/hooks/gatehouse")
            #expect(entry.header("Authorization") == nil && entry.header("Cookie") == nil)
            #expect(entry.header("X-Gatehouse-Event") == "connection.state_changed")
            let text = String(decoding: entry.body ?? [], as: UTF8.self)
            #expect(
                !text.contains(CheckfrontEndToEndTests.consumerSecret) && !text.contains("at-")
                    && !text.contains("rt-"), "\(text)")
            for header in entry.headers {
                #expect(!header.value.contains(Self.secret) && !header.value.contains(rig.key))
            }
        }
        // At start-up (not yet authorized), then after the revocation.
        let needing = events.filter { $0.event["state"] == "needs_reauthorization" }
        #expect(needing.count == 2, "\(needing.map(\.event))")
        #expect(needing.first?.event["last_error"] == "not_authorized")
        let revoked = try #require(needing.last)
        #expect(revoked.event["event"] == "connection.state_changed")
        #expect(revoked.event["adapter"] == "checkfront")
        #expect(revoked.event["last_error"] == "invalid_grant")
        #expect(revoked.event["at"]?.stringValue.flatMap(Timestamp.init(iso8601:)) != nil)
        // The same events are in the log.
        let log = rig.gateway.log
        #expect(
            log.contains("msg=alert") && log.contains("event=connection.state_changed")
                && log.contains("state=needs_reauthorization"))
        #expect(log.contains("delivery=\(revoked.delivery)"))
        #expect(!log.contains(Self.secret))
        await rig.finish()
        receiver.stop()
    }

    /// A grant whose refresh token enters Checkfront's warning window (and whose renewal keeps
    /// failing) is announced as `credential.expiry_warning`, signed, with the lapse time and
    /// never the token; the failing renewal as a state change to `failing`.
    @Test func aCredentialEnteringItsExpiryWarningWindowIsPosted() async throws {
        let receiver = try await EchoFixture.start()
        let rig = try await CheckfrontEndToEndTests.Rig.start(
            extra: Self.alerts(url: receiver.baseURL + "/hooks/gatehouse"), environment: Self.environment)
        try await rig.authorize()
        receiver.recorder.reset()
        // As far as the gateway knows, the refresh token lapses in two days (the window is three).
        let (lapse, canary) = try await rig.ageGrantWithFailingRenewal()

        func warned() -> [(event: Value, delivery: String)] {
            Self.verified(receiver).filter { $0.event["event"] == "credential.expiry_warning" }
        }
        try await Self.waitFor { !warned().isEmpty }
        let warning = try #require(
            warned().first, "\(receiver.recorder.all.map { String(decoding: $0.body ?? [], as: UTF8.self) })")
        #expect(warning.event["connection"] == "cf")
        #expect(warning.event["adapter"] == "checkfront")
        let text = try #require(warning.event["warning"]?.stringValue)
        #expect(text.contains("lapses at \(lapse.iso8601)") && text.contains("/oauth/cf/start"))
        // Once per entry into the window, not on every check.
        try await Task.sleep(for: .milliseconds(500))
        #expect(warned().count == 1)
        for entry in receiver.recorder.all {
            let body = String(decoding: entry.body ?? [], as: UTF8.self)
            #expect(!body.contains(canary) && !body.contains(CheckfrontEndToEndTests.consumerSecret), "\(body)")
            #expect(entry.header("Authorization") == nil)
        }
        let expiryDeliveries = receiver.recorder.all.filter {
            $0.header("X-Gatehouse-Event") == "credential.expiry_warning"
        }
        #expect(expiryDeliveries.count == 1)
        // The renewal that keeps failing (503 from the token endpoint) moved the connection to
        // `failing`: announced as a state change, signed, with its last error.
        func failing() -> [(event: Value, delivery: String)] {
            Self.verified(receiver).filter {
                $0.event["event"] == "connection.state_changed" && $0.event["state"] == "failing"
            }
        }
        try await Self.waitFor { !failing().isEmpty }
        let failed = try #require(
            failing().first, "\(receiver.recorder.all.map { String(decoding: $0.body ?? [], as: UTF8.self) })")
        #expect(failed.event["connection"] == "cf")
        #expect(failed.event["previous_state"] == "ok")
        #expect(failed.event["last_error"]?.stringValue?.isEmpty == false, "\(failed.event)")
        let log = rig.gateway.log
        #expect(log.contains("event=credential.expiry_warning") && log.contains("delivery=\(warning.delivery)"))
        #expect(log.contains("delivery=\(failed.delivery)"))
        #expect(!log.contains(canary))
        await rig.finish()
        receiver.stop()
    }

    @Test func aReceiverThatKeepsFailingGetsBoundedRetriesThenTheDropIsLogged() async throws {
        let receiver = try await EchoFixture.start()
        let rig = try await CheckfrontEndToEndTests.Rig.start(
            extra: Self.alerts(url: receiver.baseURL + "/status/503", attempts: 3), environment: Self.environment)
        try await rig.authorize()
        #expect(try await rig.call().status == 200)
        try await rig.control("/_sim/revoke")
        try await rig.control("/_sim/clock", #"{"advance_seconds": 14001}"#)
        #expect(try await rig.call().errorCode == "needs_reauthorization")
        try await Self.waitFor {
            rig.gateway.log.contains("alert dropped after its tries")
                && rig.gateway.log.contains("state=needs_reauthorization")
        }
        let log = rig.gateway.log
        let dropped = try #require(log.split(separator: "\n").last { $0.contains("alert dropped after its tries") })
        #expect(dropped.contains("reason=\"HTTP 503\""), "\(dropped)")
        let delivery = try #require(dropped.split(separator: " ").first { $0.hasPrefix("delivery=") }).dropFirst(
            "delivery=".count)
        // Exactly max_attempts tries of that event, each signed anew, the same delivery id.
        let tries = receiver.recorder.all.filter { $0.header("X-Gatehouse-Delivery") == String(delivery) }
        #expect(tries.count == 3)
        #expect(Self.verified(receiver).filter { $0.delivery == String(delivery) }.count == 3)
        let retries = log.split(separator: "\n").filter {
            $0.contains("alert not delivered; retrying") && $0.contains("delivery=\(delivery)")
        }
        #expect(retries.count == 2)
        // The back-off doubles from retry_delay_ms (50) toward max_retry_delay_ms (200).
        #expect(retries.first?.contains("retry_in_ms=50") == true, "\(retries)")
        #expect(retries.last?.contains("retry_in_ms=100") == true, "\(retries)")
        await rig.finish()
        receiver.stop()
    }
}
