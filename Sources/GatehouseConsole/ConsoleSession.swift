/// One signed-in operator, held on the server; the browser holds only the cookie that names it.
struct ConsoleSession: Sendable {
    /// The token every form of this session carries (CSRF).
    var csrf: String
    /// SHA-256 of the admin token the session was made with: when the token changes, the
    /// session ends.
    var tokenDigest: [UInt8]
    /// When the session ends, whatever happens.
    var expires: ContinuousClock.Instant
    /// A message for the next page (after a redirect).
    var flash: ConsoleFlash?
}
