/// Where a credential comes from: `env:NAME` (bootstrapping) or `vault:PATH`.
public enum SecretReference: Sendable, Hashable, CustomStringConvertible {
    case environment(String)
    case vault(String)

    /// Parses `env:NAME` or `vault:PATH`; anything else (a literal secret in config) is refused.
    public init?(parsing text: String) {
        if text.hasPrefix("env:"), text.count > 4 {
            let name = String(text.dropFirst(4))
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
            self = .environment(name)
        } else if text.hasPrefix("vault:"), text.count > 6 {
            self = .vault(String(text.dropFirst(6)))
        } else {
            return nil
        }
    }

    /// Whether it points into the vault.
    public var isVault: Bool { if case .vault = self { true } else { false } }

    /// The variable name or vault path.
    public var path: String {
        switch self {
        case .environment(let name): name
        case .vault(let path): path
        }
    }

    /// The reference as written in config; contains no secret.
    public var description: String {
        switch self {
        case .environment(let name): "env:\(name)"
        case .vault(let path): "vault:\(path)"
        }
    }
}
