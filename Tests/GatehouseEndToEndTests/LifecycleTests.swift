import Foundation
import GatehouseCore
import GatehouseTestSupport
import Testing

@Suite(.timeLimit(.minutes(3))) struct LifecycleTests {
    @Test(arguments: [SIGTERM, SIGINT])
    func signalLetsInFlightRequestsFinishThenExitsZero(signal: Int32) async throws {
        let h = try await Harness.start()
        async let slow = h.client.send(.get, h.url("/proxy/echo/stall?ms=1500"), headers: h.auth)
        try await Task.sleep(for: .milliseconds(400))
        let status = await h.gateway.stop(signal: signal)
        let answer = try await slow
        #expect(answer.status == 200, "the in-flight request was cut: \(answer.status)")
        #expect(answer.json["stalled_ms"] == 1500)
        #expect(status == 0)
        // After shutdown nothing listens any more.
        await #expect(throws: (any Error).self) { _ = try await h.client.send(.get, h.url("/healthz"), timeoutMilliseconds: 2000) }
        await h.finish()
    }

    @Test func inFlightRequestsAreCutAfterTheGraceBound() async throws {
        let h = try await Harness.start(timeoutMilliseconds: 60_000, server: "")
        async let slow = try? h.client.send(.get, h.url("/proxy/echo/stall?ms=30000"), headers: h.auth)
        try await Task.sleep(for: .milliseconds(300))
        let started = ContinuousClock.now
        _ = await h.gateway.stop(signal: SIGTERM)
        // shutdown_grace_seconds is 5 in the harness: the process ends soon after, not after 30 s.
        #expect(ContinuousClock.now - started < .seconds(15))
        _ = await slow
        await h.finish()
    }
}
