import GatehouseCore
import GatehouseCrypto
import HTTPTypes

/// Adds one header built from the connection's credentials: `options.header` +
/// `options.template` with `{name}` placeholders, or HTTP Basic from `username`/`password`.
struct HeaderSigner: RequestSigner {
    enum Part: Sendable, Equatable {
        case literal(String)
        case credential(String)
    }

    let header: HTTPField.Name?
    let parts: [Part]
    let credentials: Credentials
    let basic: Bool

    init(options: inout ConfigMap, setup: AdapterSetup) throws {
        self.credentials = setup.credentials
        let names = setup.connection.credentials.map(\.name)
        self.basic = try options.bool("basic") ?? false
        let headerName = try options.string("header")
        let template = try options.string("template")
        // Unknown keys first: a misspelt `templte` should be named as such.
        try options.finish()
        if self.basic {
            if template != nil || headerName != nil {
                throw options.node.error("basic: true cannot be combined with header/template")
            }
            try setup.requireCredentials(["username", "password"])
            self.header = .authorization
            self.parts = []
            return
        }
        guard let template else {
            if headerName != nil {
                throw options.node.error("header needs a template, e.g. template: \"Bearer {token}\"")
            }
            if !names.isEmpty {
                throw options.node.error(
                    "credentials are configured but never sent: set template (and header) or basic: true")
            }
            self.header = nil
            self.parts = []
            return
        }
        let name = headerName ?? "Authorization"
        guard let field = HTTPField.Name(name) else {
            throw options.node.error("\"\(name)\" is not a valid header name")
        }
        self.header = field
        self.parts = try Self.parse(template, credentials: names, node: options.node)
    }

    /// Splits `Bearer {token}` into literal and credential parts; every name must be configured.
    static func parse(_ template: String, credentials: [String], node: ConfigNode) throws(ConfigError) -> [Part] {
        var parts: [Part] = []
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            if open > rest.startIndex { parts.append(.literal(String(rest[..<open]))) }
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw node.error("template has an unclosed '{'")
            }
            let name = String(rest[rest.index(after: open)..<close])
            guard credentials.contains(name) else {
                throw node.error(
                    """
                    template refers to {\(name)}, which is not in credentials (have: \
                    \(credentials.joined(separator: ", ")))
                    """
                )
            }
            parts.append(.credential(name))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { parts.append(.literal(String(rest))) }
        guard parts.contains(where: { if case .credential = $0 { true } else { false } }) else {
            throw node.error("template uses no credential: add a {name} placeholder")
        }
        return parts
    }

    func sign(_ request: inout UpstreamRequest) async throws {
        guard let header else { return }
        var value = ""
        if self.basic {
            let user = try self.credentials.secret("username").reveal()
            let password = try self.credentials.secret("password").reveal()
            value = "Basic " + Base64.encode(Array("\(user):\(password)".utf8))
        } else {
            for part in self.parts {
                switch part {
                case .literal(let text): value += text
                case .credential(let name): value += try self.credentials.secret(name).reveal()
                }
            }
        }
        guard !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }) else {
            throw GatewayError(
                .internal,
                "a credential of this connection contains CR, LF or NUL and cannot be sent in a header",
                connection: self.credentials.connection
            )
        }
        // Replace, never add: a caller must not be able to smuggle its own value for this header.
        request.headers.set(header, to: value)
    }
}
