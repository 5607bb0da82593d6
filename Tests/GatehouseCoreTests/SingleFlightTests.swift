import GatehouseCore
import Synchronization
import Testing

/// `SingleFlight`: one operation per key at a time, shared by every caller that arrives while it
/// runs, and nothing kept once it finished.
@Suite(.timeLimit(.minutes(1))) struct SingleFlightTests {
    struct Refused: Error, Equatable {}

    /// A body that counts its calls and, until `open()`, waits (whether cancelled or not).
    final class Gate: Sendable {
        private struct State {
            var calls = 0
            var entered = 0
            var open = false
            var waiting: [CheckedContinuation<Void, Never>] = []
        }

        private let state = Mutex(State())

        var calls: Int { self.state.withLock { $0.calls } }

        /// Callers that are about to call `run`.
        var entered: Int { self.state.withLock { $0.entered } }

        func enter() { self.state.withLock { $0.entered += 1 } }

        func open() {
            let waiting = self.state.withLock { state in
                state.open = true
                defer { state.waiting = [] }
                return state.waiting
            }
            for waiter in waiting { waiter.resume() }
        }

        /// Counts the call, then waits for `open()`; its number.
        func pass() async -> Int {
            let number = self.state.withLock { state in
                state.calls += 1
                return state.calls
            }
            await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                let now = self.state.withLock { state in
                    if state.open { return true }
                    state.waiting.append(waiter)
                    return false
                }
                if now { waiter.resume() }
            }
            return number
        }
    }

    /// Starts `count` callers of `flight.run(key)` while the first call is held at `gate`, and
    /// returns them once every one has entered `run` (counted before entering; the pause after
    /// lets the last one reach the flight's lock).
    func callers<T: Sendable>(
        _ count: Int, _ flight: SingleFlight<String, T>, _ gate: Gate,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> [Task<T, any Error>] {
        var tasks: [Task<T, any Error>] = []
        for _ in 0..<count {
            tasks.append(
                Task {
                    gate.enter()
                    return try await flight.run("crm/token", body)
                })
        }
        while gate.entered < count || gate.calls == 0 { try await Task.sleep(for: .milliseconds(1)) }
        // A caller has nothing left to do but take the flight's lock: a second is far more than
        // that takes even on a loaded machine (a late one would make a second call and fail the test).
        try await Task.sleep(for: .seconds(1))
        return tasks
    }

    @Test func concurrentCallersShareOneCall() async throws {
        let flight = SingleFlight<String, Int>()
        let gate = Gate()
        let tasks = try await self.callers(20, flight, gate) { await gate.pass() }
        #expect(flight.isRunning("crm/token"))
        gate.open()
        var results: [Int] = []
        for task in tasks { results.append(try await task.value) }
        #expect(gate.calls == 1)
        #expect(results == Array(repeating: 1, count: 20))
        #expect(!flight.isRunning("crm/token"))
        #expect(flight.count == 0)
    }

    @Test func anErrorReachesEveryWaiter() async throws {
        let flight = SingleFlight<String, Int>()
        let gate = Gate()
        let tasks = try await self.callers(10, flight, gate) {
            _ = await gate.pass()
            throw Refused()
        }
        gate.open()
        for task in tasks {
            await #expect(throws: Refused.self) { try await task.value }
        }
        #expect(gate.calls == 1)
        #expect(flight.count == 0)
    }

    @Test func theNextCallAfterOneFinishedRunsAgain() async throws {
        let flight = SingleFlight<String, Int>()
        let gate = Gate()
        gate.open()
        #expect(try await flight.run("crm/token") { await gate.pass() } == 1)
        #expect(try await flight.run("crm/token") { await gate.pass() } == 2)
        // A failure is not kept either: the call after it runs.
        await #expect(throws: Refused.self) { try await flight.run("crm/token") { throw Refused() } }
        #expect(try await flight.run("crm/token") { await gate.pass() } == 3)
        #expect(gate.calls == 3)
    }

    @Test func otherKeysRunTheirOwnCalls() async throws {
        let flight = SingleFlight<String, Int>()
        let gate = Gate()
        let first = Task { try await flight.run("crm/token") { await gate.pass() } }
        let second = Task { try await flight.run("billing/token") { await gate.pass() } }
        while gate.calls < 2 { try await Task.sleep(for: .milliseconds(1)) }
        #expect(flight.count == 2)
        // A third key is refused without running while two run, when the limit is two.
        let refused = try await flight.run("third/token", whileFewerThan: 2) { 99 }
        #expect(refused == nil, "a third call ran while two did")
        gate.open()
        #expect(Set([try await first.value, try await second.value]) == [1, 2])
        #expect(gate.calls == 2)
    }

    @Test func aCancelledWaiterDoesNotCancelTheCallTheOthersWaitFor() async throws {
        let flight = SingleFlight<String, Bool>()
        let gate = Gate()
        let tasks = try await self.callers(2, flight, gate) {
            _ = await gate.pass()
            return Task.isCancelled
        }
        tasks[0].cancel()
        gate.open()
        #expect(try await tasks[1].value == false, "the shared call saw a cancellation")
        #expect(gate.calls == 1)
    }
}
