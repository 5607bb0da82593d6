import Synchronization

/// Wakes whoever waits for "something changed" (a store's `NOTIFY`), with a timeout, so a watcher
/// reacts at once to a notification and still polls when none arrives.
///
/// ```swift
/// let signal = ChangeSignal()
/// // listener: signal.fire()
/// let woken = await signal.wait(timeout: .seconds(10))  // true: fired; false: timed out
/// ```
public final class ChangeSignal: Sendable {
    private struct State {
        /// A fire no waiter has seen yet (so a fire between two waits is not lost).
        var pending = false
        var waiters: [Int: CheckedContinuation<Bool, Never>] = [:]
        /// Waits that ended (timeout, cancellation) before their continuation was registered.
        var abandoned: Set<Int> = []
        var nextID = 0
    }

    private let state = Mutex(State())

    /// Creates a signal with nothing pending.
    public init() {}

    /// Wakes every waiter; with none, the next ``wait(timeout:)`` returns at once.
    public func fire() {
        let waiters = self.state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            guard !state.waiters.isEmpty else {
                state.pending = true
                return []
            }
            let waiters = Array(state.waiters.values)
            state.waiters = [:]
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: true) }
    }

    /// Waits until ``fire()`` or `timeout`; `true` when fired, `false` on timeout or cancellation.
    public func wait(timeout: Duration) async -> Bool {
        let id = self.state.withLock { state -> Int? in
            if state.pending {
                state.pending = false
                return nil
            }
            state.nextID &+= 1
            return state.nextID
        }
        guard let id else { return true }
        let fired = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            group.addTask {
                await withCheckedContinuation { continuation in
                    let answer = self.state.withLock { state -> Bool? in
                        if state.abandoned.contains(id) { return false }
                        if state.pending {
                            state.pending = false
                            return true
                        }
                        state.waiters[id] = continuation
                        return nil
                    }
                    if let answer { continuation.resume(returning: answer) }
                }
            }
            let first = await group.next() ?? false
            group.cancelAll()
            self.abandon(id)
            return first
        }
        self.state.withLock { _ = $0.abandoned.remove(id) }
        return fired
    }

    /// Ends wait `id`: resumes its continuation, or marks it so it never registers.
    private func abandon(_ id: Int) {
        let waiter = self.state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard let waiter = state.waiters.removeValue(forKey: id) else {
                state.abandoned.insert(id)
                return nil
            }
            return waiter
        }
        waiter?.resume(returning: false)
    }
}
