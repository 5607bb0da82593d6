import Mustache

/// The console's Mustache templates, its style sheet and its script, embedded in the binary
/// (`Assets/`, SwiftPM's `embedInCode`): nothing is read from disk or fetched from elsewhere.
struct ConsoleTemplates: Sendable {
    private let library: MustacheLibrary

    /// The style sheet, `GET /assets/console.css`.
    static let stylesheet: [UInt8] = PackageResources.console_css
    /// The script, `GET /assets/console.js`.
    static let script: [UInt8] = PackageResources.console_js

    /// Parses every template; a template that does not parse is a build defect, caught by the
    /// tests that render each page.
    init() throws {
        let sources: [(String, [UInt8])] = [
            ("layout", PackageResources.layout_mustache),
            ("login", PackageResources.login_mustache),
            ("connections", PackageResources.connections_mustache),
            ("confirm", PackageResources.confirm_mustache),
            ("vault", PackageResources.vault_mustache),
            ("audit", PackageResources.audit_mustache),
            ("clients", PackageResources.clients_mustache),
            ("message", PackageResources.message_mustache),
        ]
        var library = MustacheLibrary()
        for (name, bytes) in sources {
            try library.register(String(decoding: bytes, as: UTF8.self), named: name)
        }
        self.library = library
    }

    /// `page` rendered with `context` (HTML-escaped values).
    func render(_ page: String, _ context: [String: Any]) -> String {
        self.library.render(context, withTemplate: page)
            ?? "<!doctype html><title>Gatehouse</title><p>This page could not be rendered.</p>"
    }
}
