/// An operator action the console offers for one connection: one of the adapter's admin actions
/// (``ConnectionEndpoints/adminAction(_:arguments:)``), with the words for its button and its
/// confirmation step.
///
/// ```swift
/// var consoleActions: [ConnectionAction] {
///     [ConnectionAction(name: "keyfax/rotate", title: "Rotate keys", confirmation: "Ask Keyfax for a new key pair?")]
/// }
/// ```
public struct ConnectionAction: Sendable, Equatable {
    /// The admin action's name (`keyfax/rotate`, `authorize`).
    public var name: String
    /// The button's label.
    public var title: String
    /// What the confirmation step asks.
    public var confirmation: String
    /// Whether the action answers `{"authorize_url"}` for the operator's browser to open (OAuth).
    public var opensAuthorizationPage: Bool

    /// Creates an action.
    public init(name: String, title: String, confirmation: String, opensAuthorizationPage: Bool = false) {
        self.name = name
        self.title = title
        self.confirmation = confirmation
        self.opensAuthorizationPage = opensAuthorizationPage
    }
}
