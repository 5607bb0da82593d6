/// A store-held claim on renewing one credential, so that across every instance sharing a
/// store only one obtains it at a time (`leases` row: holder, expiry, fencing counter).
///
/// Taken and released by compare-and-set, never by holding a database connection or an advisory
/// lock across the HTTP call. A holder that dies simply lets the lease expire; its `fence` is
/// then stale, and a write under it is refused (``VaultError/leaseLost(_:)``), so a holder that
/// was only slow cannot overwrite what its successor obtained.
public struct Lease: Sendable, Hashable {
    /// What the lease guards (`checkfront-live/oauth`).
    public var name: String
    /// Who holds it (an instance id).
    public var holder: String
    /// Grows with every grant of this lease.
    public var fence: Int64

    /// Creates a lease value.
    public init(name: String, holder: String, fence: Int64) {
        self.name = name
        self.holder = holder
        self.fence = fence
    }
}

/// The answer to taking a lease.
public enum LeaseAcquisition: Sendable, Hashable {
    /// Taken (or renewed, when `holder` already had it).
    case acquired(Lease)
    /// Another holder has it for `remainingMilliseconds` more.
    case held(by: String, remainingMilliseconds: Int64)
}
