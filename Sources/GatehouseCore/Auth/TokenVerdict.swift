/// A definite answer of a ``TokenValidator``: valid or not, and for how long the answer holds.
public struct TokenVerdict: Sendable, Equatable {
    /// Whether the token is valid for the client prefix it was presented with.
    public var isValid: Bool
    /// The validator's own words, for operators and the `token.validate` operation; never a
    /// reason to admit.
    public var message: String
    /// How long the answer may be reused without asking again; `.zero` means not at all.
    public var lifetime: Duration

    /// Creates a verdict.
    public init(isValid: Bool, message: String, lifetime: Duration) {
        self.isValid = isValid
        self.message = message
        self.lifetime = lifetime
    }
}
