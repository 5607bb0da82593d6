/// A one-time message shown on the next page.
struct ConsoleFlash: Sendable {
    /// Whether it reports success or a refusal.
    var ok: Bool
    var text: String
}
