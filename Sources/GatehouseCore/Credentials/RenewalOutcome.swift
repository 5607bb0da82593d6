/// What one renewal of an obtained credential gave, classified for ``ObtainedCredential``.
public enum RenewalOutcome: Sendable {
    /// A new credential, already stored in the vault under the lease; `expiries` (by name, e.g.
    /// `access_token`, `refresh_token`, `jwt`) go into the connection's health report.
    case renewed(Secret, expiries: [String: Timestamp])
    /// The provider refused for good (an OAuth `invalid_grant`): the connection needs an
    /// operator, and `error` (503 `needs_reauthorization`) is what callers get.
    case refused(GatewayError, kind: String)
    /// Nothing usable this time (5xx, 429, network, an unreadable answer): renewals back off, and
    /// a stored credential that has not expired yet is still used. `error` is what callers get
    /// when none is left.
    case unavailable(GatewayError, kind: String)
}
