import Synchronization

/// The gateway currently serving, swapped whole by a config reload. Each request reads it once
/// when it starts and keeps that ``Gateway`` to its end, so in-flight requests finish on the
/// configuration they started with while new ones get the new one.
public final class LiveGateway: Sendable {
    private struct State {
        var gateway: Gateway
        var generation: Int
        var observers: [Int: AsyncStream<Gateway>.Continuation]
        var nextObserver: Int
    }

    private let state: Mutex<State>

    /// Serves `gateway` (generation 1).
    public init(_ gateway: Gateway) {
        self.state = Mutex(State(gateway: gateway, generation: 1, observers: [:], nextObserver: 0))
    }

    /// The gateway new requests use.
    public var current: Gateway { self.state.withLock { $0.gateway } }

    /// How many gateways have served, counting the first: 1 until the first reload.
    public var generation: Int { self.state.withLock { $0.generation } }

    /// Makes `gateway` the one new requests use and tells the observers; returns the one it replaced.
    @discardableResult
    public func replace(with gateway: Gateway) -> Gateway {
        let (previous, observers) = self.state.withLock { state -> (Gateway, [AsyncStream<Gateway>.Continuation]) in
            let previous = state.gateway
            state.gateway = gateway
            state.generation += 1
            return (previous, Array(state.observers.values))
        }
        for observer in observers { observer.yield(gateway) }
        return previous
    }

    /// Every gateway from now on, starting with the current one; ends when the task iterating it is cancelled.
    public func updates() -> AsyncStream<Gateway> {
        let (stream, continuation) = AsyncStream.makeStream(of: Gateway.self, bufferingPolicy: .bufferingNewest(1))
        let id = self.state.withLock { state -> Int in
            let id = state.nextObserver
            state.nextObserver += 1
            state.observers[id] = continuation
            continuation.yield(state.gateway)
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.observers.removeValue(forKey: id) }
        }
        return stream
    }
}
