/// An operator action an adapter declares for its connections: one of its admin actions
/// (``ConnectionEndpoints/adminAction(_:arguments:)``), with the words the console shows for it.
/// The same declarations serve `POST /admin/v1/connections/{c}/{action}`,
/// `gatehouse connections action CONNECTION ACTION [--stdin]` and the console's buttons.
///
/// ```swift
/// var adminActions: [ConnectionAction] {
///     [
///         ConnectionAction(name: "keyfax/rotate", title: "Rotate keys", confirmation: "Ask Keyfax for a new key
/// pair?"),
///         ConnectionAction(name: "keyfax/import", title: "Import keys", input: #"{"apiKey": "...", "signingKey":
/// "..."}"#),
///     ]
/// }
/// ```
public struct ConnectionAction: Sendable, Equatable {
    /// The admin action's name (`keyfax/rotate`, `authorize`).
    public var name: String
    /// The button's label, and the action's one-line description in listings.
    public var title: String
    /// What the console's confirmation step asks.
    public var confirmation: String
    /// Whether the action answers `{"authorize_url"}` for the operator's browser to open (OAuth).
    public var opensAuthorizationPage: Bool
    /// The JSON object the action reads as its arguments (from `--stdin` on the command line, the
    /// request body on the admin API), described; `nil` when it takes none.
    public var input: String?
    /// Whether the console offers it as a button: only actions that take no input.
    public var inConsole: Bool

    /// Creates an action; `inConsole` is ignored (false) for an action that takes `input`.
    public init(
        name: String,
        title: String,
        confirmation: String = "",
        opensAuthorizationPage: Bool = false,
        input: String? = nil,
        inConsole: Bool = true
    ) {
        self.name = name
        self.title = title
        self.confirmation = confirmation
        self.opensAuthorizationPage = opensAuthorizationPage
        self.input = input
        self.inConsole = inConsole && input == nil
    }
}
