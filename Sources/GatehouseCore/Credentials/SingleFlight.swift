import Synchronization

/// Runs at most one operation per key at a time within this process: callers arriving while
/// one runs wait for it and share its result (or error). The OKIT verdict cache, the OAuth
/// refresh and the Keyfax JWT renewal use it, so a burst of callers makes one upstream call.
///
/// ```swift
/// let flight = SingleFlight<String, Secret>()
/// let token = try await flight.run("crm/token") { try await obtainToken() }
/// ```
public final class SingleFlight<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let flights = Mutex<[Key: Task<Value, any Error>]>([:])

    /// Creates an idle single flight.
    public init() {}

    /// Joins the operation running for `key`, or starts `body` as it. The operation is not
    /// cancelled when one waiter is: the others still want its result.
    public func run(_ key: Key, _ body: @escaping @Sendable () async throws -> Value) async throws -> Value {
        // `Int.max` admits every new operation, so the result is never nil.
        try await self.run(key, whileFewerThan: .max, body)!
    }

    /// Joins the operation running for `key`, or starts `body` as it when fewer than `limit`
    /// operations (for other keys) run now; `nil`, without calling `body`, when as many already
    /// do. Joining is never refused: it costs no upstream call.
    public func run(_ key: Key, whileFewerThan limit: Int, _ body: @escaping @Sendable () async throws -> Value)
        async throws -> Value?
    {
        let task = self.flights.withLock { flights -> Task<Value, any Error>? in
            if let running = flights[key] { return running }
            guard flights.count < limit else { return nil }
            let task = Task { try await body() }
            flights[key] = task
            return task
        }
        guard let task else { return nil }
        let result = await task.result
        self.flights.withLock { flights in
            if flights[key] == task { flights[key] = nil }
        }
        return try result.get()
    }

    /// How many operations run now.
    public var count: Int { self.flights.withLock { $0.count } }

    /// Whether an operation runs for `key` now.
    public func isRunning(_ key: Key) -> Bool { self.flights.withLock { $0[key] != nil } }
}
