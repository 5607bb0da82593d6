@testable import GatehouseCore
import Testing

@Suite(.timeLimit(.minutes(1))) struct BulkheadTests {
    static func bulkhead(limit: Int, queue: Int, timeoutMilliseconds: Int) -> Bulkhead {
        Bulkhead(
            policy: BulkheadPolicy(maxInFlight: limit, maxQueue: queue, queueTimeoutMilliseconds: timeoutMilliseconds),
            connection: "k2")
    }

    /// A caller cancelled before it joins the queue: its cancellation handler runs before the
    /// waiter exists. It must fail at once, not sit in the queue and take the next free slot.
    @Test func aCallerCancelledBeforeItJoinsDoesNotWaitForASlot() async throws {
        let gate = Self.bulkhead(limit: 1, queue: 10, timeoutMilliseconds: 60_000)
        _ = try await gate.acquire()
        let late = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            _ = try await gate.acquire()
        }
        // Give the task time to fail (fixed) or to join the queue (the race).
        try await Task.sleep(for: .milliseconds(200))
        gate.release()  // a queued waiter would be handed this slot and succeed
        let result = await late.result
        #expect(throws: CancellationError.self) { try result.get() }
        // The slot is free again: a new caller gets it at once.
        _ = try await gate.acquire()
        gate.release()
    }

    /// A timeout shorter than the way into the queue: the caller gets 503 with Retry-After, not the next slot.
    // Nobody releases the slot: without the timeout the second acquire would wait for ever, so
    // the time limit (generous, for a loaded machine) turns a missed timeout into a failure.
    @Test(.timeLimit(.minutes(1))) func aTimeoutBeforeJoiningFailsWithUnavailable() async throws {
        let gate = Self.bulkhead(limit: 1, queue: 10, timeoutMilliseconds: 1)
        _ = try await gate.acquire()
        let error = await #expect(throws: GatewayError.self) { try await gate.acquire() }
        #expect(error?.code == .unavailable)
        #expect(error?.retryAfterSeconds == 1)
        gate.release()
    }

    @Test func aFullQueueIsRefusedAndWaitersGetSlotsInOrder() async throws {
        let gate = Self.bulkhead(limit: 1, queue: 1, timeoutMilliseconds: 30_000)
        _ = try await gate.acquire()
        let waiter = Task { try await gate.acquire() }
        while gate.usage.waiting == 0 { await Task.yield() }
        await #expect(throws: GatewayError.self) { try await gate.acquire() }
        gate.release()
        _ = try await waiter.value
        #expect(gate.usage.inFlight == 1)
        gate.release()
        #expect(gate.usage.inFlight == 0)
    }

    @Test func anUnlimitedBulkheadAdmitsWithoutWaiting() async throws {
        let gate = Bulkhead(policy: BulkheadPolicy(), connection: "http")
        for _ in 0..<1000 { #expect(try await gate.acquire() == .zero) }
        #expect(gate.usage.inFlight == 0)
    }
}
