import Synchronization

/// Runs an operation with a deadline that really returns at the deadline, abandoning the
/// operation instead of waiting for it.
///
/// A task group cannot do that: it waits for every child, and postgres-nio's connection lease
/// does not return on cancellation while the pool tries to connect (up to its connect timeout).
/// Here the operation runs in an unstructured task, and the caller is resumed by whichever comes
/// first: its result, the deadline, or the caller's cancellation. A late result is dropped.
///
/// ```swift
/// let rows = try await AbandoningTimeout.run(.seconds(10), onTimeout: { VaultError.storeUnreachable("...") }) {
///     try await client.query("SELECT 1")
/// }
/// ```
enum AbandoningTimeout {
    static func run<T: Sendable>(
        _ timeout: Duration,
        onTimeout: @escaping @Sendable () -> any Error,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let once = Once<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                guard once.arm(continuation) else { return }  // cancelled before it started
                let work = Task {
                    let result: Result<T, any Error>
                    do { result = .success(try await body()) } catch { result = .failure(error) }
                    once.resume(result)
                }
                let timer = Task {
                    try? await Task.sleep(for: timeout)
                    if !Task.isCancelled, once.resume(.failure(onTimeout())) { work.cancel() }
                }
                once.onFinish {
                    timer.cancel()
                    work.cancel()
                }
            }
        } onCancel: {
            once.resume(.failure(CancellationError()))
        }
    }

    /// Resumes one continuation exactly once, whichever of the racers calls first.
    final class Once<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T, any Error>?
            /// Set before the continuation was armed (the caller was cancelled first).
            var early: Result<T, any Error>?
            var finished = false
            var cleanup: (@Sendable () -> Void)?
        }

        private let state = Mutex(State())

        /// Stores the continuation; `false` (and resumed at once) when a result came first.
        func arm(_ continuation: CheckedContinuation<T, any Error>) -> Bool {
            let early = self.state.withLock { state -> Result<T, any Error>? in
                if let early = state.early { return early }
                state.continuation = continuation
                return nil
            }
            guard let early else { return true }
            continuation.resume(with: early)
            return false
        }

        /// Runs `cleanup` when the race is decided (at once when it already is).
        func onFinish(_ cleanup: @escaping @Sendable () -> Void) {
            let now = self.state.withLock { state -> Bool in
                if state.finished { return true }
                state.cleanup = cleanup
                return false
            }
            if now { cleanup() }
        }

        /// Resumes with `result` when nothing did yet; whether this call decided the race.
        @discardableResult
        func resume(_ result: Result<T, any Error>) -> Bool {
            let decided = self.state.withLock {
                state -> (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?)? in
                guard !state.finished else { return nil }
                state.finished = true
                guard let continuation = state.continuation else {
                    state.early = result
                    return (nil, nil)
                }
                let cleanup = state.cleanup
                state.continuation = nil
                state.cleanup = nil
                return (continuation, cleanup)
            }
            guard let decided else { return false }
            let (continuation, cleanup) = decided
            continuation?.resume(with: result)
            cleanup?()
            return true
        }
    }
}
