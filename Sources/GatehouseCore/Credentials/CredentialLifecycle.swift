#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How this instance renews the credentials it obtains: its lease holder id, how long a lease
/// lasts (`vault.lease_seconds`), and failpoints for the crash tests. The vault carries it, since
/// every renewable credential lives in the vault.
public struct CredentialLifecycle: Sendable {
    /// This process's id as a lease holder: unique per process, stable while it runs.
    public var instanceID: String
    /// How long a renewal lease lasts unless released (`vault.lease_seconds`, default 15).
    public var leaseMilliseconds: Int64 = 15_000
    /// Named points where a test makes the process fail.
    public var failpoints = Failpoints()

    /// Defaults with a fresh instance id.
    public init() {
        self.instanceID = "pid-\(getpid())-\(Base36.random(8))"
    }
}

/// Named points in the credential lifecycle where a test makes the process fail, set with
/// `GATEHOUSE_FAILPOINTS=NAME=ACTION[,NAME=ACTION]`. The only action is `kill` (SIGKILL on
/// itself, as a crash or an OOM kill would). Points: `refresh.before_request` (the lease is held,
/// nothing sent yet) and `refresh.after_request` (the token endpoint answered, nothing is stored
/// yet: a provider that rotates refresh tokens has then rotated a pair nobody holds).
public struct Failpoints: Sendable, Hashable {
    private var killAt: Set<String> = []

    /// No failpoints.
    public init() {}

    /// Parses `NAME=kill,...`; `nil` for anything else, so a typo is reported rather than ignored.
    public init?(parsing text: String) {
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[1] == "kill", !parts[0].isEmpty else { return nil }
            self.killAt.insert(String(parts[0]))
        }
    }

    /// Whether any point is set.
    public var isEmpty: Bool { self.killAt.isEmpty }

    /// Kills this process when `name` is set.
    public func hit(_ name: String) {
        guard self.killAt.contains(name) else { return }
        kill(getpid(), SIGKILL)
    }
}

/// Short random ids for lease holders.
enum Base36 {
    static func random(_ count: Int) -> String {
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz")
        return String((0..<count).map { _ in alphabet.randomElement()! })
    }
}
