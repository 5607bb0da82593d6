import GatehouseCore
import Testing

@Suite struct CircuitBreakerTests {
    let start = ContinuousClock.now
    let policy = CircuitBreakerPolicy(failures: 3, windowSeconds: 10, openSeconds: 30)

    @Test func failuresInsideTheWindowOpenTheCircuit() {
        let breaker = CircuitBreaker(policy: self.policy)
        for second in 0..<3 {
            #expect(breaker.admit(now: self.start + .seconds(second)) == .admitted(probe: false))
            breaker.record(.failure, probe: false, now: self.start + .seconds(second))
        }
        #expect(breaker.state(now: self.start + .seconds(3)) == .open)
        // Opened by the third failure, at second 2: 29 of its 30 seconds are left at second 3.
        #expect(breaker.admit(now: self.start + .seconds(3)) == .rejected(retryAfterSeconds: 29))
    }

    @Test func failuresSpreadWiderThanTheWindowKeepItClosed() {
        let breaker = CircuitBreaker(policy: self.policy)
        for second in [0, 6, 12, 18, 24] {
            breaker.record(.failure, probe: false, now: self.start + .seconds(second))
        }
        #expect(breaker.state(now: self.start + .seconds(25)) == .closed)
    }

    @Test func successesAndNeutralOutcomesDoNotCount() {
        let breaker = CircuitBreaker(policy: self.policy)
        breaker.record(.failure, probe: false, now: self.start)
        breaker.record(.failure, probe: false, now: self.start)
        breaker.record(.neutral, probe: false, now: self.start)
        breaker.record(.success, probe: false, now: self.start)
        #expect(breaker.state(now: self.start) == .closed)
    }

    @Test func afterOpenSecondsOneProbeDecides() {
        let breaker = CircuitBreaker(policy: self.policy)
        for _ in 0..<3 { breaker.record(.failure, probe: false, now: self.start) }
        let later = self.start + .seconds(30)
        #expect(breaker.state(now: later) == .halfOpen)
        #expect(breaker.admit(now: later) == .admitted(probe: true))
        // Only one probe at a time.
        #expect(breaker.admit(now: later) == .rejected(retryAfterSeconds: 1))
        // The probe fails: open again for open_seconds.
        breaker.record(.failure, probe: true, now: later)
        #expect(breaker.admit(now: later + .seconds(1)) == .rejected(retryAfterSeconds: 29))
        // The next probe succeeds: closed.
        let again = later + .seconds(30)
        #expect(breaker.admit(now: again) == .admitted(probe: true))
        breaker.record(.success, probe: true, now: again)
        #expect(breaker.state(now: again) == .closed)
        #expect(breaker.admit(now: again) == .admitted(probe: false))
    }

    @Test func aProbeThatSaysNothingLetsTheNextCallProbe() {
        let breaker = CircuitBreaker(policy: self.policy)
        for _ in 0..<3 { breaker.record(.failure, probe: false, now: self.start) }
        let later = self.start + .seconds(31)
        #expect(breaker.admit(now: later) == .admitted(probe: true))
        breaker.record(.neutral, probe: true, now: later)
        #expect(breaker.admit(now: later) == .admitted(probe: true))
    }
}
