import GatehouseCore
import Synchronization
import Testing

@Suite struct TokenVerdictCacheTests {
    typealias Key = TokenVerdictCache<ManualClock>.Key

    /// A validator stand-in counting its calls.
    final class Counter: Sendable {
        let calls = Mutex(0)
        func verdict(_ valid: Bool, lifetime: Duration) -> TokenVerdict {
            self.calls.withLock { $0 += 1 }
            return TokenVerdict(
                isValid: valid, message: valid ? "Token is valid" : "Token is not valid", lifetime: lifetime)
        }
        var count: Int { self.calls.withLock { $0 } }
    }

    /// A thread-safe count.
    final class Tally: Sendable {
        private let value = Mutex(0)
        func add() { self.value.withLock { $0 += 1 } }
        var count: Int { self.value.withLock { $0 } }
    }

    let token = Secret("tok-3f9a+/=")

    @Test func keysDependOnEveryPartAndHoldNoToken() {
        let key = Key(scope: "SMSAPP", clientPrefix: "BlaBla", token: self.token)
        #expect(key == Key(scope: "SMSAPP", clientPrefix: "BlaBla", token: Secret("tok-3f9a+/=")))
        #expect(key != Key(scope: "MAILAPP", clientPrefix: "BlaBla", token: self.token))
        #expect(key != Key(scope: "SMSAPP", clientPrefix: "Other", token: self.token))
        #expect(key != Key(scope: "SMSAPP", clientPrefix: "BlaBla", token: Secret("tok-3f9a+/")))
        // Length prefixes: moving a character from one part to the next is another key.
        #expect(
            Key(scope: "ab", clientPrefix: "c", token: self.token)
                != Key(scope: "a", clientPrefix: "bc", token: self.token))
        #expect(
            Key(scope: "S", clientPrefix: "Bx", token: Secret("y"))
                != Key(scope: "S", clientPrefix: "B", token: Secret("xy")))
        #expect(key.digest.count == 32)
        let tokenBytes = Array("tok-3f9a".utf8)
        #expect(
            !(0...(key.digest.count - tokenBytes.count)).contains {
                Array(key.digest[$0..<($0 + tokenBytes.count)]) == tokenBytes
            })
        #expect(!"\(key)".contains("tok-3f9a"))
    }

    @Test func positiveAnswersAreReusedForTheirLifetimeOnly() async throws {
        let clock = ManualClock()
        let cache = TokenVerdictCache(clock: clock)
        let counter = Counter()
        let key = Key(scope: "SMSAPP", clientPrefix: "BlaBla", token: self.token)
        let ask = { @Sendable in counter.verdict(true, lifetime: .seconds(60)) }
        #expect(try await cache.verdict(for: key, validate: ask).isValid)
        clock.advance(by: .seconds(59))
        #expect(try await cache.verdict(for: key, validate: ask).isValid)
        #expect(counter.count == 1)
        clock.advance(by: .seconds(1))
        #expect(try await cache.verdict(for: key, validate: ask).isValid)
        #expect(counter.count == 2)
    }

    @Test func negativeAnswersKeepTheirOwnShorterLifetime() async throws {
        let clock = ManualClock()
        let cache = TokenVerdictCache(clock: clock)
        let counter = Counter()
        let key = Key(scope: "SMSAPP", clientPrefix: "BlaBla", token: self.token)
        let ask = { @Sendable in counter.verdict(false, lifetime: .seconds(5)) }
        #expect(try await !cache.verdict(for: key, validate: ask).isValid)
        clock.advance(by: .milliseconds(4_999))
        #expect(try await !cache.verdict(for: key, validate: ask).isValid)
        #expect(counter.count == 1)
        clock.advance(by: .milliseconds(1))
        #expect(try await !cache.verdict(for: key, validate: ask).isValid)
        #expect(counter.count == 2)
    }

    @Test func aZeroLifetimeIsNeverReused() async throws {
        let cache = TokenVerdictCache(clock: ManualClock())
        let counter = Counter()
        let key = Key(scope: "S", clientPrefix: "C", token: self.token)
        for _ in 0..<3 { _ = try await cache.verdict(for: key) { counter.verdict(true, lifetime: .zero) } }
        #expect(counter.count == 3)
        #expect(cache.count == 0)
    }

    @Test func failuresAreNotRemembered() async throws {
        struct Down: Error {}
        let cache = TokenVerdictCache(clock: ManualClock())
        let counter = Counter()
        let key = Key(scope: "S", clientPrefix: "C", token: self.token)
        await #expect(throws: Down.self) {
            try await cache.verdict(for: key) { () async throws -> TokenVerdict in
                _ = counter.verdict(true, lifetime: .seconds(60))
                throw Down()
            }
        }
        #expect(cache.count == 0)
        #expect(try await cache.verdict(for: key) { counter.verdict(true, lifetime: .seconds(60)) }.isValid)
        #expect(counter.count == 2)
    }

    @Test func concurrentValidationsOfOneKeyShareOneCall() async throws {
        let cache = TokenVerdictCache(clock: ManualClock())
        let counter = Counter()
        let key = Key(scope: "SMSAPP", clientPrefix: "BlaBla", token: self.token)
        let arrivals = Tally()
        let gate = Tally()
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    arrivals.add()
                    return try await cache.verdict(for: key) {
                        // Held open until every caller has asked, so all of them find it pending.
                        while gate.count == 0 { try await Task.sleep(for: .milliseconds(1)) }
                        return counter.verdict(true, lifetime: .seconds(60))
                    }.isValid
                }
            }
            while arrivals.count < 100 { try await Task.sleep(for: .milliseconds(5)) }
            try await Task.sleep(for: .milliseconds(50))
            gate.add()
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 100)
        #expect(results.allSatisfy { $0 })
        #expect(counter.count == 1)
    }

    @Test func distinctKeysAreValidatedSeparately() async throws {
        let cache = TokenVerdictCache(clock: ManualClock())
        let counter = Counter()
        _ = try await cache.verdict(for: Key(scope: "S", clientPrefix: "A", token: self.token)) {
            counter.verdict(true, lifetime: .seconds(60))
        }
        _ = try await cache.verdict(for: Key(scope: "S", clientPrefix: "B", token: self.token)) {
            counter.verdict(false, lifetime: .seconds(5))
        }
        #expect(counter.count == 2)
        #expect(
            try await cache.verdict(for: Key(scope: "S", clientPrefix: "A", token: self.token)) {
                counter.verdict(false, lifetime: .zero)
            }
            .isValid
        )
        #expect(counter.count == 2)
    }

    @Test func aFloodOfDistinctTokensStaysWithinCapacity() async throws {
        let clock = ManualClock()
        let cache = TokenVerdictCache(clock: clock, capacity: 8)
        let counter = Counter()
        for index in 0..<100 {
            _ = try await cache.verdict(for: Key(scope: "S", clientPrefix: "C", token: Secret("t\(index)"))) {
                counter.verdict(false, lifetime: .seconds(5))
            }
            #expect(cache.count <= 8)
        }
        #expect(counter.count == 100)
    }

    @Test func aLiveValidVerdictSurvivesAFloodOfFreshTokens() async throws {
        let clock = ManualClock()
        let cache = TokenVerdictCache(clock: clock, capacity: 8)
        let counter = Counter()
        let admitted = Key(scope: "S", clientPrefix: "C", token: self.token)
        #expect(try await cache.verdict(for: admitted) { counter.verdict(true, lifetime: .seconds(60)) }.isValid)
        // Ten times the capacity of fresh tokens, refused and admitted alike.
        for index in 0..<80 {
            let valid = index.isMultiple(of: 2)
            _ = try await cache.verdict(for: Key(scope: "S", clientPrefix: "C", token: Secret("flood-\(index)"))) {
                counter.verdict(valid, lifetime: valid ? .seconds(60) : .seconds(5))
            }
            #expect(cache.count <= 8)
            clock.advance(by: .milliseconds(100))
        }
        #expect(counter.count == 81)
        // Still remembered, 8 s later: the validator is not asked again.
        #expect(try await cache.verdict(for: admitted) { counter.verdict(false, lifetime: .seconds(5)) }.isValid)
        #expect(counter.count == 81)
        // At the end of its lifetime it goes like any other.
        clock.advance(by: .seconds(60))
        #expect(try await !cache.verdict(for: admitted) { counter.verdict(false, lifetime: .seconds(5)) }.isValid)
        #expect(counter.count == 82)
    }

    @Test func aValidVerdictMayDisplaceALiveRefusalButNotTheOtherWayRound() async throws {
        let clock = ManualClock()
        let cache = TokenVerdictCache(clock: clock, capacity: 4)
        let counter = Counter()
        func key(_ name: String) -> Key { Key(scope: "S", clientPrefix: "C", token: Secret(name)) }
        for index in 0..<4 {
            _ = try await cache.verdict(for: key("refused-\(index)")) { counter.verdict(false, lifetime: .seconds(5)) }
        }
        #expect(cache.settledCount == 4)
        // Full of refusals: a valid answer takes the place of one of them.
        _ = try await cache.verdict(for: key("admitted")) { counter.verdict(true, lifetime: .seconds(60)) }
        #expect(cache.settledCount == 4)
        _ = try await cache.verdict(for: key("admitted")) { counter.verdict(false, lifetime: .seconds(5)) }
        #expect(counter.count == 5)
        // Full of valid answers: a new one is answered but not remembered.
        for index in 0..<3 {
            _ = try await cache.verdict(for: key("admitted-\(index)")) { counter.verdict(true, lifetime: .seconds(60)) }
        }
        #expect(counter.count == 8)
        _ = try await cache.verdict(for: key("one-too-many")) { counter.verdict(true, lifetime: .seconds(60)) }
        _ = try await cache.verdict(for: key("one-too-many")) { counter.verdict(true, lifetime: .seconds(60)) }
        #expect(counter.count == 10)
        #expect(cache.settledCount == 4)
        // Expired answers make room again.
        clock.advance(by: .seconds(61))
        _ = try await cache.verdict(for: key("later")) { counter.verdict(true, lifetime: .seconds(60)) }
        _ = try await cache.verdict(for: key("later")) { counter.verdict(true, lifetime: .seconds(60)) }
        #expect(counter.count == 11)
    }

    @Test func validationsBeyondMaximumPendingAreRefusedAtOnce() async throws {
        let cache = TokenVerdictCache(clock: ManualClock(), maximumPending: 4)
        let counter = Counter()
        let started = Tally()
        let gate = Tally()
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<4 {
                group.addTask {
                    try await cache.verdict(for: Key(scope: "S", clientPrefix: "C", token: Secret("held-\(index)"))) {
                        started.add()
                        while gate.count == 0 { try await Task.sleep(for: .milliseconds(1)) }
                        return counter.verdict(true, lifetime: .seconds(60))
                    }.isValid
                }
            }
            while started.count < 4 { try await Task.sleep(for: .milliseconds(5)) }
            // A fifth distinct token: refused without calling its validator, while the four wait.
            await #expect(throws: TokenVerdictCache<ManualClock>.Overloaded.self) {
                try await cache.verdict(for: Key(scope: "S", clientPrefix: "C", token: Secret("fifth"))) {
                    counter.verdict(true, lifetime: .seconds(60))
                }
            }
            // A caller of a token already under way still joins it.
            group.addTask {
                try await cache.verdict(for: Key(scope: "S", clientPrefix: "C", token: Secret("held-0"))) {
                    counter.verdict(false, lifetime: .seconds(60))
                }.isValid
            }
            #expect(counter.count == 0)
            gate.add()
            let results = try await group.reduce(into: [Bool]()) { $0.append($1) }
            #expect(results == [true, true, true, true, true])
        }
        #expect(counter.count == 4)
        // With the four settled, a new token is validated again.
        #expect(
            try await cache.verdict(for: Key(scope: "S", clientPrefix: "C", token: Secret("fifth"))) {
                counter.verdict(true, lifetime: .seconds(60))
            }.isValid)
        #expect(counter.count == 5)
    }
}
