import Synchronization

/// Collects the bound port of every listener and calls `allRunning` once, when the last one is
/// up: the gateway is ready (and says where it listens) only when every listener is.
final class ListenerRendezvous: Sendable {
    private struct State {
        var ports: [Listener.Role: Int] = [:]
        var fired = false
    }

    private let expected: Set<Listener.Role>
    private let state = Mutex(State())
    private let allRunning: @Sendable ([Listener.Role: Int]) -> Void

    /// Waits for the listeners in `expected`.
    init(expected: Set<Listener.Role>, allRunning: @escaping @Sendable ([Listener.Role: Int]) -> Void) {
        self.expected = expected
        self.allRunning = allRunning
    }

    /// Records that `role` listens on `port`.
    func running(_ role: Listener.Role, port: Int) {
        let complete = self.state.withLock { state -> [Listener.Role: Int]? in
            state.ports[role] = port
            guard !state.fired, Set(state.ports.keys).isSuperset(of: self.expected) else { return nil }
            state.fired = true
            return state.ports
        }
        if let complete { self.allRunning(complete) }
    }
}
