/// The credentials of one connection, resolved on every use so that a vault change applies
/// to the next request. Missing or empty values fail closed.
public struct Credentials: Sendable {
    /// The connection they belong to.
    public let connection: String
    private let references: [String: SecretReference]
    private let source: any SecretSource

    /// Creates credentials for `connection`.
    public init(connection: String, references: [String: SecretReference], source: any SecretSource) {
        self.connection = connection
        self.references = references
        self.source = source
    }

    /// The configured credential names.
    public var names: [String] { self.references.keys.sorted() }

    /// The current value of credential `name`; throws 503 `unavailable` when it cannot be had.
    public func secret(_ name: String) throws -> Secret {
        guard let reference = self.references[name] else {
            throw GatewayError(.internal, "credential \"\(name)\" is not configured", connection: self.connection)
        }
        let value: Secret?
        do {
            value = try self.source.secret(for: reference)
        } catch let error as VaultError {
            // Vault messages name paths, versions and times, never values.
            throw GatewayError(
                .unavailable, "credential \"\(name)\" is not usable: \(error)", connection: self.connection)
        } catch {
            throw GatewayError(.unavailable, "credential \"\(name)\" could not be read", connection: self.connection)
        }
        guard let value, !value.isEmpty else {
            throw GatewayError(
                .unavailable, "credential \"\(name)\" (\(reference)) is not available", connection: self.connection)
        }
        return value
    }
}
