/// Resolves ``SecretReference``s to values. Reads are synchronous and in-memory, so the
/// request path never waits on storage.
///
/// ```swift
/// let source: any SecretSource = EnvironmentSecretSource(environment: ProcessInfo.processInfo.environment)
/// let token = try source.secret(for: .environment("CRM_TOKEN"))
/// ```
public protocol SecretSource: Sendable {
    /// The current value behind `reference`, or `nil` when it does not exist.
    func secret(for reference: SecretReference) throws -> Secret?
}

/// Serves `env:` references from an environment snapshot taken at start-up.
public struct EnvironmentSecretSource: SecretSource {
    private let environment: [String: String]

    /// Creates a source over `environment` (usually `ProcessInfo.processInfo.environment`).
    public init(environment: [String: String]) { self.environment = environment }

    public func secret(for reference: SecretReference) throws -> Secret? {
        guard case .environment(let name) = reference else { return nil }
        return self.environment[name].map(Secret.init)
    }
}

/// Tries each source in turn; the first that knows the reference's scheme answers.
public struct CompositeSecretSource: SecretSource {
    private let environment: EnvironmentSecretSource
    private let vault: (any SecretSource)?

    /// Creates a source serving `env:` from `environment` and `vault:` from `vault`.
    public init(environment: EnvironmentSecretSource, vault: (any SecretSource)?) {
        self.environment = environment
        self.vault = vault
    }

    public func secret(for reference: SecretReference) throws -> Secret? {
        switch reference {
        case .environment: try self.environment.secret(for: reference)
        case .vault: try self.vault?.secret(for: reference)
        }
    }
}
