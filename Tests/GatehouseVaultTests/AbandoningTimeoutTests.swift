import Synchronization
import Testing

@testable import GatehousePostgres

/// The PostgreSQL store's call timeout returns at its deadline even when the call ignores
/// cancellation, as postgres-nio's connection lease does while the pool cannot connect.
@Suite(.timeLimit(.minutes(1))) struct AbandoningTimeoutTests {
    struct Late: Error {}

    /// A call that finishes only when the test lets it, whatever cancellation says.
    final class Stuck: Sendable {
        private let waiting = Mutex<CheckedContinuation<Void, Never>?>(nil)
        private let released = Mutex(false)
        let finished = Mutex(false)

        func run() async -> Int {
            await withCheckedContinuation { continuation in
                let now = self.released.withLock { released in
                    if released { return true }
                    self.waiting.withLock { $0 = continuation }
                    return false
                }
                if now { continuation.resume() }
            }
            self.finished.withLock { $0 = true }
            return 42
        }

        func release() {
            self.released.withLock { $0 = true }
            self.waiting.withLock { $0 }?.resume()
        }
    }

    @Test func theTimeoutReturnsWhileTheAbandonedCallStillRuns() async throws {
        let stuck = Stuck()
        await #expect(throws: Late.self) {
            try await AbandoningTimeout.run(.milliseconds(50), onTimeout: { Late() }) { await stuck.run() }
        }
        #expect(!stuck.finished.withLock { $0 }, "the timeout waited for the call")
        // The late result is dropped: nothing crashes, nothing resumes twice.
        stuck.release()
        while !stuck.finished.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
    }

    @Test func aResultBeforeTheDeadlineIsReturned() async throws {
        let value = try await AbandoningTimeout.run(.seconds(30), onTimeout: { Late() }) { 7 }
        #expect(value == 7)
        await #expect(throws: Late.self) {
            try await AbandoningTimeout.run(.seconds(30), onTimeout: { Late() }) { () async throws -> Int in
                throw Late()
            }
        }
    }

    @Test func theCallersCancellationEndsTheWait() async throws {
        let stuck = Stuck()
        let waiting = Task {
            try await AbandoningTimeout.run(.seconds(30), onTimeout: { Late() }) { await stuck.run() }
        }
        try await Task.sleep(for: .milliseconds(20))
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(!stuck.finished.withLock { $0 })
        stuck.release()
    }
}
