import GatehouseCrypto
import Synchronization

/// Remembers ``TokenVerdict``s for their lifetime and makes concurrent validations of one key
/// share a single validator call (single flight).
///
/// Keys are SHA-256 digests of the scope, client prefix and token, so the cache never holds a
/// token. Failures (no definite answer) are never remembered: the next request asks again.
/// Expiry is measured on the injected clock from the moment the answer arrived.
///
/// ```swift
/// let cache = TokenVerdictCache(clock: ContinuousClock())
/// let key = TokenVerdictCache<ContinuousClock>.Key(scope: "SMSAPP", clientPrefix: "BlaBla", token: token)
/// let verdict = try await cache.verdict(for: key) { try await validator.validate(token, clientPrefix: "BlaBla") }
/// ```
public final class TokenVerdictCache<C: Clock>: Sendable where C.Duration == Duration {
    /// A cache key: SHA-256 over the length-prefixed scope, client prefix and token.
    public struct Key: Hashable, Sendable {
        /// The 32-byte digest; the token cannot be read back from it.
        public let digest: [UInt8]

        /// The key for `token` presented with `clientPrefix`, validated within `scope`.
        public init(scope: String, clientPrefix: String, token: Secret) {
            var input: [UInt8] = []
            func append(_ bytes: [UInt8]) {
                // Length prefixes keep ("ab", "c") and ("a", "bc") apart.
                let count = UInt32(truncatingIfNeeded: bytes.count)
                input += [UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)]
                input += bytes
            }
            append(Array(scope.utf8))
            append(Array(clientPrefix.utf8))
            token.withBytes { append($0) }
            self.digest = Digest.sha256(input)
        }
    }

    private enum Entry {
        /// A validation under way; `id` tells it apart from a later one for the same key.
        case pending(id: UInt64, Task<TokenVerdict, any Error>)
        case settled(TokenVerdict, expires: C.Instant)
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var nextID: UInt64 = 0
    }

    private enum Lookup {
        case hit(TokenVerdict)
        case wait(Task<TokenVerdict, any Error>)
    }

    private let state = Mutex(State())
    private let clock: C
    /// Entries kept before expired ones are pruned (and, if that is not enough, every settled one).
    public let capacity: Int

    /// Creates an empty cache measuring lifetimes on `clock`.
    public init(clock: C, capacity: Int = 10_000) {
        self.clock = clock
        self.capacity = capacity
    }

    /// The remembered verdict for `key`, or the one `validate` gives. Callers arriving while a
    /// validation for `key` is under way wait for it instead of starting another.
    public func verdict(
        for key: Key,
        validate: @escaping @Sendable () async throws -> TokenVerdict
    ) async throws -> TokenVerdict {
        let now = self.clock.now
        let lookup = self.state.withLock { state -> Lookup in
            switch state.entries[key] {
            case .settled(let verdict, let expires)? where now < expires:
                return .hit(verdict)
            case .pending(_, let task)?:
                return .wait(task)
            default:
                if state.entries.count >= self.capacity { Self.prune(&state, now: now, capacity: self.capacity) }
                state.nextID += 1
                let id = state.nextID
                // Unstructured on purpose: the validation belongs to every waiter, so the first
                // caller going away must not cancel it for the others.
                let task = Task<TokenVerdict, any Error> {
                    do {
                        let verdict = try await validate()
                        self.settle(key, id: id, verdict: verdict)
                        return verdict
                    } catch {
                        self.settle(key, id: id, verdict: nil)
                        throw error
                    }
                }
                state.entries[key] = .pending(id: id, task)
                return .wait(task)
            }
        }
        switch lookup {
        case .hit(let verdict): return verdict
        case .wait(let task): return try await task.value
        }
    }

    /// The number of keys held (pending and settled, expired or not), for tests and metrics.
    public var count: Int { self.state.withLock { $0.entries.count } }

    /// Records the outcome of validation `id`, unless a newer one replaced it.
    private func settle(_ key: Key, id: UInt64, verdict: TokenVerdict?) {
        let now = self.clock.now
        self.state.withLock { state in
            guard case .pending(let current, _)? = state.entries[key], current == id else { return }
            if let verdict, verdict.lifetime > .zero {
                state.entries[key] = .settled(verdict, expires: now.advanced(by: verdict.lifetime))
            } else {
                state.entries[key] = nil
            }
        }
    }

    /// Drops expired answers; when that frees too little (a flood of distinct tokens), drops every
    /// settled answer. Pending validations stay: their waiters need them.
    private static func prune(_ state: inout State, now: C.Instant, capacity: Int) {
        state.entries = state.entries.filter { _, entry in
            if case .settled(_, let expires) = entry { return now < expires }
            return true
        }
        guard state.entries.count >= capacity else { return }
        state.entries = state.entries.filter { _, entry in
            if case .pending = entry { return true }
            return false
        }
    }
}
