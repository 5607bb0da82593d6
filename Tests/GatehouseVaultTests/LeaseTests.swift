import Foundation
import GatehouseCore
@testable import GatehouseSQLite
import Synchronization
import Testing

/// The `leases` table on both stores, and the credential lifecycle built on it.
@Suite(.timeLimit(.minutes(2))) struct LeaseTests {
    @Test(arguments: StoreKind.allCases) func aLeaseIsExclusiveUntilReleasedOrExpired(_ kind: StoreKind) async throws {
        let test = try await TestVault.make(kind)
        let other = try await test.openStore()
        guard
            case .acquired(let first) = try await test.store.acquireLease(
                "crm/oauth", holder: "a", milliseconds: 60_000)
        else {
            Issue.record("a free lease was not granted")
            return
        }
        guard
            case .held(let holder, let remaining) = try await other.acquireLease(
                "crm/oauth", holder: "b", milliseconds: 60_000)
        else {
            Issue.record("a held lease was granted twice")
            return
        }
        #expect(holder == "a")
        #expect(remaining > 0 && remaining <= 60_000)
        // Another credential's lease is independent.
        guard case .acquired = try await other.acquireLease("billing/oauth", holder: "b", milliseconds: 60_000) else {
            Issue.record("an unrelated lease was refused")
            return
        }
        try await test.store.releaseLease(first)
        guard case .acquired(let second) = try await other.acquireLease("crm/oauth", holder: "b", milliseconds: 300)
        else {
            Issue.record("a released lease was not granted")
            return
        }
        #expect(second.fence > first.fence)
        // Expired: taken over without a release, with a newer fence.
        try await Task.sleep(for: .milliseconds(400))
        guard
            case .acquired(let third) = try await test.store.acquireLease(
                "crm/oauth", holder: "a", milliseconds: 60_000)
        else {
            Issue.record("an expired lease was not taken over")
            return
        }
        #expect(third.fence > second.fence)
        // Releasing a lease that passed on changes nothing.
        try await other.releaseLease(second)
        guard case .held(by: "a", _) = try await other.acquireLease("crm/oauth", holder: "b", milliseconds: 60_000)
        else {
            Issue.record("a stale release freed the successor's lease")
            return
        }
    }

    @Test(arguments: StoreKind.allCases) func aWriteUnderALeaseThatPassedOnIsRefused(_ kind: StoreKind) async throws {
        let test = try await TestVault.make(kind)
        let other = try await test.reopen()
        guard case .acquired(let slow) = try await test.store.acquireLease("crm/oauth", holder: "a", milliseconds: 200)
        else {
            Issue.record("a free lease was not granted")
            return
        }
        // Late but not replaced: the write still lands.
        try await Task.sleep(for: .milliseconds(300))
        try await test.vault.put(
            [.init(path: "crm/access_token", value: Secret("from-a"))], by: TestVault.actor, under: slow)
        guard
            case .acquired(let successor) = try await other.store.acquireLease(
                "crm/oauth", holder: "b", milliseconds: 60_000)
        else {
            Issue.record("an expired lease was not taken over")
            return
        }
        try await other.put(
            [.init(path: "crm/access_token", value: Secret("from-b"))], by: TestVault.actor, under: successor)
        await #expect(throws: VaultError.leaseLost("crm/oauth")) {
            try await test.vault.put(
                [.init(path: "crm/access_token", value: Secret("late-a"))], by: TestVault.actor, under: slow)
        }
        try await test.vault.reload()
        #expect(try test.vault.secret(for: .vault("crm/access_token"))?.reveal() == "from-b")
    }

    /// Work that outlasts its lease (a Keyfax rotation awaiting its web hook) keeps it with a
    /// `LeaseKeeper`: another instance cannot take it while it is kept alive, and can once it is
    /// released.
    @Test(arguments: StoreKind.allCases) func aKeptLeaseOutlastsItsDurationUntilReleased(_ kind: StoreKind)
        async throws
    {
        let test = try await TestVault.make(kind)
        let other = try await test.openStore()
        // Ten seconds, renewed once a third has passed: an iteration of the loop below may take
        // over six seconds (SQLite writes under a full suite's load took three) before it is lost.
        let duration: Int64 = 10_000
        guard
            case .acquired(let lease) = try await test.store.acquireLease(
                "kf/rotation", holder: "a", milliseconds: duration)
        else {
            Issue.record("a free lease was not granted")
            return
        }
        let keeper = LeaseKeeper(lease: lease, store: test.store, milliseconds: duration)
        let started = ContinuousClock.now
        var refusedAfterItsDuration = 0
        // Well past the lease's own duration.
        while ContinuousClock.now - started < .milliseconds(2 * duration + 1_000) {
            try await Task.sleep(for: .milliseconds(100))
            await keeper.keepAlive()
            let asked = ContinuousClock.now
            guard
                case .held(let holder, _) = try await other.acquireLease(
                    "kf/rotation", holder: "b", milliseconds: duration)
            else {
                Issue.record("another instance took a lease that was being kept alive")
                return
            }
            #expect(holder == "a")
            if asked - started > .milliseconds(duration) { refusedAfterItsDuration += 1 }
        }
        #expect(refusedAfterItsDuration > 0, "the loop never asked after the lease's own duration")
        await keeper.release()
        guard
            case .acquired(let taken) = try await other.acquireLease("kf/rotation", holder: "b", milliseconds: duration)
        else {
            Issue.record("a released lease was not granted")
            return
        }
        #expect(taken.fence > lease.fence)
    }

    /// Two "instances" (separate store connections) with many callers each: one renewal in all,
    /// and every caller gets its result.
    @Test(arguments: StoreKind.allCases) func concurrentCallersOnTwoInstancesRenewOnce(_ kind: StoreKind) async throws {
        let test = try await TestVault.make(kind)
        let second = try await test.reopen()
        let renewals = Box(0)
        // A lease far longer than a renewal even on a loaded machine (a CI run once saw a 10 s
        // lease expire under the suite's load): this test is about one renewal, not expiry.
        let instances = [
            RenewableCredential(name: "crm/oauth", vault: test.vault, holder: "instance-a", leaseMilliseconds: 120_000),
            RenewableCredential(name: "crm/oauth", vault: second, holder: "instance-b", leaseMilliseconds: 120_000),
        ]
        for round in 1...3 {
            let values = try await withThrowingTaskGroup(of: String.self) { group in
                for caller in 0..<40 {
                    let credential = instances[caller % 2]
                    group.addTask {
                        let vault = credential.vault
                        let secret = try await credential.obtain(
                            usable: {
                                guard let entry = try vault.entry("crm/token"),
                                    entry.secret.reveal() == "round-\(round)"
                                else { return nil }
                                return entry.secret
                            },
                            renew: { lease in
                                renewals.update { $0 += 1 }
                                try await Task.sleep(for: .milliseconds(100))  // the token endpoint's round trip
                                try await vault.put(
                                    [.init(path: "crm/token", value: Secret("round-\(round)"))], by: TestVault.actor,
                                    under: lease)
                                return Secret("round-\(round)")
                            }
                        )
                        return secret.reveal()
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(values.count == 40)
            #expect(Set(values) == ["round-\(round)"])
            #expect(renewals.value == round, "round \(round)")
        }
    }

    /// A holder that never writes (killed mid-renewal) delays the others by one lease at most.
    @Test(arguments: StoreKind.allCases) func aDeadHoldersLeaseIsTakenOverAfterItExpires(_ kind: StoreKind) async throws
    {
        let test = try await TestVault.make(kind)
        guard
            case .acquired(let dead) = try await test.store.acquireLease(
                "crm/oauth", holder: "dead", milliseconds: 1_000)
        else {
            Issue.record("a free lease was not granted")
            return
        }
        let second = try await test.reopen()
        let credential = RenewableCredential(
            name: "crm/oauth", vault: second, holder: "survivor", leaseMilliseconds: 10_000)
        let taken = Box<Lease?>(nil)
        let value = try await credential.obtain(usable: { try second.entry("crm/token")?.secret }) { lease in
            taken.update { $0 = lease }
            try await second.put(
                [.init(path: "crm/token", value: Secret("renewed"))], by: TestVault.actor, under: lease)
            return Secret("renewed")
        }
        #expect(value.reveal() == "renewed")
        // It took the dead holder's lease over (the next grant), rather than racing it.
        #expect(taken.value == Lease(name: "crm/oauth", holder: "survivor", fence: dead.fence + 1))
        // The dead holder's late write is refused.
        await #expect(throws: VaultError.leaseLost("crm/oauth")) {
            try await test.vault.put(
                [.init(path: "crm/token", value: Secret("zombie"))], by: TestVault.actor, under: dead)
        }
    }
}

/// A value shared with concurrent closures.
final class Box<T: Sendable>: Sendable {
    private let state: Mutex<T>
    init(_ value: T) { self.state = Mutex(value) }
    var value: T { self.state.withLock { $0 } }
    func update(_ body: (inout T) -> Void) { self.state.withLock { body(&$0) } }
}
