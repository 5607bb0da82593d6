import GatehouseCore
import Synchronization

/// Caps the in-flight upstream calls of one connection (K2's licensed API threads): callers
/// beyond the limit wait in a bounded FIFO queue for at most a timeout, then get 503
/// `unavailable`; the upstream never sees more than `limit` at once.
final class ConcurrencyGate: Sendable {
    private struct State {
        var inFlight = 0
        var nextTicket = 0
        var waiters: [(ticket: Int, continuation: CheckedContinuation<Void, any Error>)] = []
        /// Tickets issued but not yet in `waiters`: a timeout or cancellation can fire in that gap.
        var joining: Set<Int> = []
        /// Why a joining ticket gave up before it joined; it fails as it joins instead of waiting.
        var abandoned: [Int: any Error] = [:]
    }

    let limit: Int
    let queueLimit: Int
    let timeout: Duration
    let connection: String
    private let state = Mutex(State())

    init(limit: Int, queueLimit: Int, timeout: Duration, connection: String) {
        self.limit = limit
        self.queueLimit = queueLimit
        self.timeout = timeout
        self.connection = connection
    }

    /// Runs `body` holding one slot.
    func run<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await self.acquire()
        defer { self.release() }
        return try await body()
    }

    /// Runs `body`, whose answer streams, holding one slot until that answer's body is over
    /// (read to its end, failed or cancelled): K2's thread is busy until it has sent the last
    /// byte, not only until the head arrived.
    func runStreaming(_ body: () async throws -> UpstreamResponse) async throws -> UpstreamResponse {
        try await self.acquire()
        let response: UpstreamResponse
        do {
            response = try await body()
        } catch {
            self.release()
            throw error
        }
        response.body.setOnEnd { self.release() }
        return response
    }

    func acquire() async throws {
        enum Decision { case go, wait(Int), full }
        let decision: Decision = self.state.withLock { state in
            if state.inFlight < self.limit, state.waiters.isEmpty {
                state.inFlight += 1
                return .go
            }
            guard state.waiters.count + state.joining.count < self.queueLimit else { return .full }
            state.nextTicket += 1
            state.joining.insert(state.nextTicket)
            return .wait(state.nextTicket)
        }
        switch decision {
        case .go:
            return
        case .full:
            throw GatewayError(
                .unavailable, "all \(self.limit) upstream threads are busy and \(self.queueLimit) callers already wait; try again later",
                connection: self.connection)
        case .wait(let ticket):
            let timer = Task { [timeout] in
                try await Task.sleep(for: timeout)
                self.abandon(ticket, error: GatewayError(
                    .unavailable, "no upstream thread became free within \(timeout) (max_concurrency \(self.limit))",
                    connection: self.connection))
            }
            defer { timer.cancel() }
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let outcome = self.state.withLock { state -> Result<Void, any Error>? in
                        state.joining.remove(ticket)
                        // The timer or a cancellation fired before this waiter joined.
                        if let error = state.abandoned.removeValue(forKey: ticket) { return .failure(error) }
                        // Room may have appeared between the decision and now.
                        if state.inFlight < self.limit, state.waiters.isEmpty {
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

    /// Callers queued or on their way into the queue.
    var waiting: Int { self.state.withLock { $0.waiters.count + $0.joining.count } }

    func release() {
        let next = self.state.withLock { state -> CheckedContinuation<Void, any Error>? in
            if state.waiters.isEmpty {
                state.inFlight -= 1
                return nil
            }
            return state.waiters.removeFirst().continuation  // the slot passes on
        }
        next?.resume()
    }
}
