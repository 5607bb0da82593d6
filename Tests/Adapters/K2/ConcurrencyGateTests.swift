import GatehouseCore
@testable import GatehouseK2
import Testing

@Suite(.timeLimit(.minutes(1))) struct ConcurrencyGateTests {
    /// A caller cancelled before it joins the queue: its cancellation handler runs before the
    /// waiter exists. It must fail at once, not sit in the queue and take the next free slot.
    @Test func aCallerCancelledBeforeItJoinsDoesNotWaitForASlot() async throws {
        let gate = ConcurrencyGate(limit: 1, queueLimit: 10, timeout: .seconds(60), connection: "k2")
        try await gate.acquire()
        let late = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await gate.acquire()
        }
        // Give the task time to fail (fixed) or to join the queue (the race).
        try await Task.sleep(for: .milliseconds(200))
        gate.release()  // a queued waiter would be handed this slot and succeed
        let result = await late.result
        #expect(throws: CancellationError.self) { try result.get() }
        // The slot is free again: a new caller gets it at once.
        try await gate.acquire()
        gate.release()
    }

    /// A timeout shorter than the way into the queue: the caller gets 503, not the next slot.
    // Nobody releases the slot: without the timeout the second acquire would wait for ever, so
    // the time limit (generous, for a loaded machine) turns a missed timeout into a failure.
    @Test(.timeLimit(.minutes(1))) func aTimeoutBeforeJoiningFailsWithUnavailable() async throws {
        let gate = ConcurrencyGate(limit: 1, queueLimit: 10, timeout: .nanoseconds(1), connection: "k2")
        try await gate.acquire()
        await #expect(throws: GatewayError.self) { try await gate.acquire() }
        gate.release()
    }

    @Test func aFullQueueIsRefusedAndWaitersGetSlotsInOrder() async throws {
        let gate = ConcurrencyGate(limit: 1, queueLimit: 1, timeout: .seconds(30), connection: "k2")
        try await gate.acquire()
        let waiter = Task { try await gate.acquire() }
        while gate.waiting == 0 { await Task.yield() }
        await #expect(throws: GatewayError.self) { try await gate.acquire() }
        gate.release()
        try await waiter.value
        gate.release()
    }
}
