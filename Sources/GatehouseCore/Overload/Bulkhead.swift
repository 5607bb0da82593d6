import Synchronization

/// Caps the in-flight upstream calls of one connection (`max_in_flight`): callers beyond the
/// limit wait in a bounded FIFO queue (`max_queue`) for at most `queue_timeout_ms`, then get 503
/// `unavailable` with `Retry-After`; the upstream never sees more than the limit at once. K2's
/// licensed API threads are its first user (`max_concurrency` is the K2 default of it).
public final class Bulkhead: Sendable {
    private struct State {
        var inFlight = 0
        var nextTicket = 0
        var waiters: [(ticket: Int, continuation: CheckedContinuation<Void, any Error>)] = []
        /// Tickets issued but not yet in `waiters`: a timeout or cancellation can fire in that gap.
        var joining: Set<Int> = []
        /// Why a joining ticket gave up before it joined; it fails as it joins instead of waiting.
        var abandoned: [Int: any Error] = [:]
    }

    /// The policy; `maxInFlight == nil` admits everything without bookkeeping.
    public let policy: BulkheadPolicy
    private let connection: String
    private let state = Mutex(State())

    /// Creates a bulkhead for `connection`.
    public init(policy: BulkheadPolicy, connection: String) {
        self.policy = policy
        self.connection = connection
    }

    /// Seconds a refused caller is told to wait before trying again.
    static let retryAfterSeconds = 1

    /// Takes one slot, waiting in the queue when all are taken; returns how long it waited.
    /// Every successful acquire is matched by one ``release()``.
    public func acquire() async throws -> Duration {
        guard let limit = self.policy.maxInFlight else { return .zero }
        enum Decision { case go, wait(Int), full }
        let decision: Decision = self.state.withLock { state in
            if state.inFlight < limit, state.waiters.isEmpty {
                state.inFlight += 1
                return .go
            }
            guard state.waiters.count + state.joining.count < self.policy.maxQueue else { return .full }
            state.nextTicket += 1
            state.joining.insert(state.nextTicket)
            return .wait(state.nextTicket)
        }
        switch decision {
        case .go:
            return .zero
        case .full:
            throw GatewayError(
                .unavailable,
                """
                all \(limit) upstream slots are busy and \(self.policy.maxQueue) callers already wait; try again \
                later
                """,
                connection: self.connection, retryAfterSeconds: Self.retryAfterSeconds)
        case .wait(let ticket):
            let started = ContinuousClock.now
            let timeout = Duration.milliseconds(self.policy.queueTimeoutMilliseconds)
            let timer = Task {
                try await Task.sleep(for: timeout)
                self.abandon(
                    ticket,
                    error: GatewayError(
                        .unavailable,
                        """
                        no upstream slot became free within \(self.policy.queueTimeoutMilliseconds) ms \
                        (max_in_flight \(limit))
                        """,
                        connection: self.connection, retryAfterSeconds: Self.retryAfterSeconds))
            }
            defer { timer.cancel() }
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let outcome = self.state.withLock { state -> Result<Void, any Error>? in
                        state.joining.remove(ticket)
                        // The timer or a cancellation fired before this waiter joined.
                        if let error = state.abandoned.removeValue(forKey: ticket) { return .failure(error) }
                        // Room may have appeared between the decision and now.
                        if state.inFlight < limit, state.waiters.isEmpty {
                            state.inFlight += 1
                            return .success(())
                        }
                        state.waiters.append((ticket, continuation))
                        return nil
                    }
                    if let outcome { continuation.resume(with: outcome) }
                }
            } onCancel: {
                self.abandon(ticket, error: CancellationError())
            }
            return ContinuousClock.now - started
        }
    }

    /// Removes a waiter that gave up (timeout, cancellation); one that has not joined yet fails
    /// as it joins; a slot it was handed stays handed.
    private func abandon(_ ticket: Int, error: any Error) {
        let continuation = self.state.withLock { state -> CheckedContinuation<Void, any Error>? in
            guard let index = state.waiters.firstIndex(where: { $0.ticket == ticket }) else {
                if state.joining.contains(ticket), state.abandoned[ticket] == nil { state.abandoned[ticket] = error }
                return nil
            }
            return state.waiters.remove(at: index).continuation
        }
        continuation?.resume(throwing: error)
    }

    /// Gives one slot back: to the first waiter, else to the pool.
    public func release() {
        guard self.policy.maxInFlight != nil else { return }
        let next = self.state.withLock { state -> CheckedContinuation<Void, any Error>? in
            if state.waiters.isEmpty {
                state.inFlight -= 1
                return nil
            }
            return state.waiters.removeFirst().continuation  // the slot passes on
        }
        next?.resume()
    }

    /// Calls in flight and callers queued or on their way into the queue.
    public var usage: (inFlight: Int, waiting: Int) {
        self.state.withLock { ($0.inFlight, $0.waiters.count + $0.joining.count) }
    }
}
