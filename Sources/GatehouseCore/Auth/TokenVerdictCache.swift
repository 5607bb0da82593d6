import GatehouseCrypto
import Synchronization

/// Remembers ``TokenVerdict``s for their lifetime and makes concurrent validations of one key
/// share a single validator call (the core's ``SingleFlight``, as credential renewals do).
///
/// Keys are SHA-256 digests of the scope, client prefix and token, so the cache never holds a
/// token. Failures (no definite answer) are never remembered: the next request asks again.
/// Expiry is measured on the injected clock from the moment the answer arrived.
///
/// Bounded against callers who present a stream of fresh tokens:
/// - at most `maximumPending` validations run at once; one more is refused at once with
///   ``Overloaded`` (nothing waits in a queue);
/// - at most `capacity` answers are remembered. When full, expired answers are dropped; if that
///   frees nothing, a new *valid* answer may displace one live *not valid* answer, and any other
///   new answer is simply not remembered. A live valid answer is never dropped before its time,
///   so a flood of made-up tokens cannot push out the callers who are already admitted.
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

    /// Refused: `maximumPending` validations are already under way.
    public struct Overloaded: Error, Sendable {}

    private struct Settled {
        var verdict: TokenVerdict
        var expires: C.Instant
    }

    private struct State {
        var entries: [Key: Settled] = [:]
    }

    private let state = Mutex(State())
    /// Validations under way, one per key.
    private let flight = SingleFlight<Key, TokenVerdict>()
    private let clock: C
    /// Most answers remembered.
    public let capacity: Int
    /// Most validations under way at once.
    public let maximumPending: Int

    /// Creates an empty cache measuring lifetimes on `clock`, remembering up to `capacity`
    /// answers and running up to `maximumPending` validations at once.
    public init(clock: C, capacity: Int = 10_000, maximumPending: Int = 64) {
        self.clock = clock
        self.capacity = max(1, capacity)
        self.maximumPending = max(1, maximumPending)
    }

    /// The remembered verdict for `key`, or the one `validate` gives. Callers arriving while a
    /// validation for `key` is under way wait for it instead of starting another. Throws
    /// ``Overloaded`` without calling `validate` when `maximumPending` validations are under way.
    public func verdict(
        for key: Key,
        validate: @escaping @Sendable () async throws -> TokenVerdict
    ) async throws -> TokenVerdict {
        let now = self.clock.now
        let remembered = self.state.withLock { state -> TokenVerdict? in
            guard let settled = state.entries[key] else { return nil }
            if now < settled.expires { return settled.verdict }
            state.entries[key] = nil
            return nil
        }
        if let remembered { return remembered }
        // The validation belongs to every waiter: the first caller going away does not cancel it.
        let verdict = try await self.flight.run(key, whileFewerThan: self.maximumPending) {
            let verdict = try await validate()
            self.settle(key, verdict: verdict)
            return verdict
        }
        guard let verdict else { throw Overloaded() }
        return verdict
    }

    /// The number of keys held (pending and settled, expired or not), for tests and metrics.
    public var count: Int { self.state.withLock { $0.entries.count } + self.flight.count }

    /// The number of answers remembered (expired or not).
    public var settledCount: Int { self.state.withLock { $0.entries.count } }

    /// Remembers a validator's answer for its lifetime, when there is room for it.
    private func settle(_ key: Key, verdict: TokenVerdict) {
        guard verdict.lifetime > .zero else { return }
        let now = self.clock.now
        self.state.withLock { state in
            if state.entries[key] == nil, state.entries.count >= self.capacity,
                !Self.makeRoom(&state, now: now, capacity: self.capacity, for: verdict)
            {
                return  // Full of live answers this one may not displace: not remembered.
            }
            state.entries[key] = Settled(verdict: verdict, expires: now.advanced(by: verdict.lifetime))
        }
    }

    /// Makes room for `verdict` in a full cache: drops expired answers; if none were, and
    /// `verdict` is valid, drops one live not-valid answer. Whether there is room now.
    /// One pass over the entries, run only when the cache is full, once per validator answer.
    private static func makeRoom(_ state: inout State, now: C.Instant, capacity: Int, for verdict: TokenVerdict) -> Bool
    {
        var expired: [Key] = []
        var negative: Key?
        for (key, settled) in state.entries {
            if now >= settled.expires {
                expired.append(key)
            } else if negative == nil, !settled.verdict.isValid {
                negative = key
            }
        }
        for key in expired { state.entries[key] = nil }
        if state.entries.count < capacity { return true }
        guard verdict.isValid, let negative else { return false }
        state.entries[negative] = nil
        return true
    }
}
