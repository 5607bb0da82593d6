/// Decides who a caller is. Chosen per client entry in config (`authenticator:`).
///
/// ```swift
/// struct AllowEveryone: Authenticator {
///     func authenticate(_ credentials: InboundCredentials) async throws -> Principal? {
///         Principal(name: "anyone", connections: ["echo"])
///     }
/// }
/// ```
public protocol Authenticator: Sendable {
    /// The principal for these credentials; `nil` when they do not belong to this authenticator's
    /// callers. Throws ``GatewayError`` (`unauthenticated`, `unavailable`) to refuse.
    func authenticate(_ credentials: InboundCredentials) async throws -> Principal?
}
