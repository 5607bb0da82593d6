import Synchronization

/// A first-come, first-served lock held across `await`s: one holder at a time runs its body,
/// the others wait their turn without blocking a thread.
///
/// The vault runs each write (store commit plus cache update) and each reload under it, so the
/// cache sees changes in the order the store committed them.
///
/// ```swift
/// let lock = WriteLock()
/// let metadata = try await lock.run { try await store.write(writes, by: actor, at: now, keepVersions: 5) }
/// ```
final class WriteLock: Sendable {
    private struct State {
        var held = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Runs `body` holding the lock. Waiting is not cancellable: holders only run store calls,
    /// which end on their own.
    func run<T>(_ body: () async throws -> T) async rethrows -> T {
        await self.acquire()
        defer { self.release() }
        return try await body()
    }

    private func acquire() async {
        let acquired = self.state.withLock { state -> Bool in
            guard state.held else {
                state.held = true
                return true
            }
            return false
        }
        if acquired { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = self.state.withLock { state -> Bool in
                guard state.held else {
                    state.held = true
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    private func release() {
        let next = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.held = false
                return nil
            }
            return state.waiters.removeFirst()  // the lock passes on, still held
        }
        next?.resume()
    }
}
