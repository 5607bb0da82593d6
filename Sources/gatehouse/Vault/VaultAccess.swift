import Foundation
import GatehouseCore
import GatehousePostgres
import GatehouseSQLite

/// Opens the configured vault for the CLI and `serve`; every failure becomes a message that says
/// what is missing and how to provide it.
enum VaultAccess {
    /// The configured store: the SQLite file, or the PostgreSQL database (connected and
    /// migrated; `create` only matters for SQLite, whose file `vault init` creates).
    static func store(_ settings: GatewayConfiguration.VaultSettings, create: Bool = false) async throws
        -> any CredentialStore
    {
        do {
            switch settings.backend {
            case "postgres":
                return try await PostgresCredentialStore.connect(url: try self.postgresURL(settings))
            default:
                return try SQLiteCredentialStore(path: settings.path, create: create)
            }
        } catch let error as VaultError {
            throw ExitMessage(error.description)
        }
    }

    /// The PostgreSQL URL from its environment variable, parsed; messages never show it.
    static func postgresURL(_ settings: GatewayConfiguration.VaultSettings) throws -> PostgresURL {
        let name = settings.urlVariable ?? "GATEHOUSE_PG_URL"
        func message(_ text: String) -> ExitMessage {
            ExitMessage(settings.urlNode.map { "\($0.error(text))" } ?? "vault.url: \(text)")
        }
        guard let text = ProcessInfo.processInfo.environment[name], !text.isEmpty else {
            throw message(
                "environment variable \(name) is not set (expected postgres://user:password@host:port/database)")
        }
        do {
            return try PostgresURL(text)
        } catch {
            throw message("\(name): \(error)")
        }
    }

    /// Where the configured store is, for messages before it is opened.
    static func location(_ settings: GatewayConfiguration.VaultSettings) -> String {
        switch settings.backend {
        case "postgres":
            (try? self.postgresURL(settings).redacted) ?? "postgres (\(settings.urlVariable ?? "url unset"))"
        default: "sqlite:" + settings.path
        }
    }

    /// The master key from its configured source; `nil` when the environment variable is unset.
    static func masterKey(_ source: GatewayConfiguration.VaultSettings.MasterKeySource) throws -> MasterKey? {
        switch source {
        case .environment(let name):
            guard let text = ProcessInfo.processInfo.environment[name], !text.isEmpty else { return nil }
            do {
                return try MasterKey(base64: text)
            } catch {
                throw ExitMessage("\(name): \(error)")
            }
        case .file(let path):
            return try self.masterKey(file: path)
        }
    }

    /// A master key from a file that only its owner can read (0600 or stricter).
    static func masterKey(file path: String) throws -> MasterKey {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw ExitMessage("master key file \(path): \(String(cString: strerror(errno)))")
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw ExitMessage(
                """
                master key file \(path) has mode \(String(mode, radix: 8)); it must be 0600 or stricter (chmod 600 \
                \(path))
                """
            )
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ExitMessage("master key file \(path) cannot be read")
        }
        do {
            return try MasterKey(base64: String(decoding: data, as: UTF8.self))
        } catch {
            throw ExitMessage("master key file \(path): \(error)")
        }
    }

    /// Opens and unseals the configured vault.
    static func open(_ config: GatewayConfiguration) async throws -> Vault {
        let store = try await self.store(config.vault)
        let key = try self.masterKey(config.vault.masterKey)
        var configuration = Vault.Configuration()
        configuration.keepVersions = config.vault.keepVersions
        // PostgreSQL announces changes (LISTEN/NOTIFY); its poll is only the fallback.
        if config.vault.backend == "postgres" { configuration.pollInterval = .seconds(config.vault.pollSeconds) }
        configuration.lifecycle.leaseMilliseconds = Int64(config.vault.leaseSeconds) * 1000
        if let text = ProcessInfo.processInfo.environment["GATEHOUSE_FAILPOINTS"], !text.isEmpty {
            guard let failpoints = Failpoints(parsing: text) else {
                throw ExitMessage(
                    "GATEHOUSE_FAILPOINTS: expected NAME=kill[,NAME=kill], e.g. refresh.after_request=kill")
            }
            configuration.lifecycle.failpoints = failpoints
        }
        do {
            return try await Vault.open(store: store, masterKey: key, configuration: configuration)
        } catch let error as VaultError {
            throw ExitMessage(self.explain(error, source: config.vault.masterKey))
        }
    }

    /// Adds where the key was looked for to sealed/wrong-key messages.
    static func explain(_ error: VaultError, source: GatewayConfiguration.VaultSettings.MasterKeySource) -> String {
        switch error.shortDescription {
        case "sealed": "\(error) (looked for \(source))"
        case "wrong_master_key": "\(error) (the key came from \(source))"
        default: error.description
        }
    }

    /// Who is at the keyboard, for the audit table.
    static var cliActor: VaultActor {
        let user =
            ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.environment["LOGNAME"]
            ?? "uid \(getuid())"
        return VaultActor(name: "\(user) (cli)", source: .cli)
    }
}
