/// Holds a ``Lease`` for work that may outlast it (a Keyfax key rotation awaiting its web hook):
/// ``keepAlive()`` renews it once a third of its duration has passed, ``release()`` gives it up.
///
/// ```swift
/// let keeper = LeaseKeeper(lease: lease, store: vault.store, milliseconds: 15_000)
/// while waiting { try await Task.sleep(for: .milliseconds(100)); await keeper.keepAlive() }
/// await keeper.release()
/// ```
public actor LeaseKeeper {
    private var lease: Lease
    private let store: any CredentialStore
    private let milliseconds: Int64
    private var renewedAt = ContinuousClock.now

    /// Keeps `lease`, taken for `milliseconds`, in `store`.
    public init(lease: Lease, store: any CredentialStore, milliseconds: Int64) {
        self.lease = lease
        self.store = store
        self.milliseconds = milliseconds
    }

    /// Renews the lease when a third of its duration has passed since it was last taken. A store
    /// that cannot be reached changes nothing (the lease then runs out at its time).
    public func keepAlive() async {
        guard ContinuousClock.now - self.renewedAt >= .milliseconds(self.milliseconds / 3) else { return }
        if case .acquired(let renewed)? = try? await self.store.acquireLease(
            self.lease.name, holder: self.lease.holder, milliseconds: self.milliseconds)
        {
            self.lease = renewed
            self.renewedAt = ContinuousClock.now
        }
    }

    /// Gives the lease up (when it is still ours).
    public func release() async {
        try? await self.store.releaseLease(self.lease)
    }
}
