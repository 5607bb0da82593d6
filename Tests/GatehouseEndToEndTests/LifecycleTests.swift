import Foundation
import GatehouseCore
import GatehouseTestSupport
import Testing

@Suite(.timeLimit(.minutes(3))) struct LifecycleTests {
    @Test(arguments: [SIGTERM, SIGINT])
    func signalLetsInFlightRequestsFinishThenExitsZero(signal: Int32) async throws {
        let h = try await Harness.start()
        async let slow = h.client.send(.get, h.url("/proxy/echo/stall?ms=1500"), headers: h.auth)
        // The signal goes once the request is in flight (it has reached the upstream), however
        // long a loaded machine took to get it there.
        let deadline = ContinuousClock.now + .seconds(60)
        while h.echo.recorder.all.isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let status = await h.gateway.stop(signal: signal)
        let answer = try await slow
        #expect(answer.status == 200, "the in-flight request was cut: \(answer.status)")
        #expect(answer.json["stalled_ms"] == 1500)
        #expect(status == 0)
        // After shutdown nothing listens any more.
        await #expect(throws: (any Error).self) {
            _ = try await h.client.send(.get, h.url("/healthz"), timeoutMilliseconds: 2000)
        }
        await h.finish()
    }

    @Test func inFlightRequestsAreCutAfterTheGraceBound() async throws {
        let h = try await Harness.start(timeoutMilliseconds: 60_000, server: "")
        async let slow = try? h.client.send(.get, h.url("/proxy/echo/stall?ms=600000"), headers: h.auth)
        try await Task.sleep(for: .milliseconds(300))
        // shutdown_grace_seconds is 5 in the harness; the request would stall for 10 minutes. A
        // process that did not cut it would be SIGKILLed by `stop` after 120 s (status 9).
        let status = await h.gateway.stop(signal: SIGTERM, timeout: .seconds(120))
        #expect(status == 0, "the gateway did not exit by itself after the grace period")
        _ = await slow
        await h.finish()
    }
}
