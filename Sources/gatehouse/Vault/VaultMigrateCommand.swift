import ArgumentParser
import Foundation
import GatehouseCore

/// `gatehouse vault migrate --to OTHER_CONFIG`: copies the configured vault into the store another
/// configuration names (SQLite → PostgreSQL when a second instance arrives, or back).
struct VaultMigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract:
            """
            Copy every secret version, the keyring and the audit rows to the store OTHER_CONFIG names; refuses a \
            non-empty target.
            """
    )
    @OptionGroup var options: ConfigOption
    @Option(name: .customLong("to"), help: "The configuration whose vault: section names the target store.") var target:
        String

    func run() async throws {
        try await ExitMessage.reporting {
            let source = try ConfigLoading.load(self.options.config)
            let destination = try ConfigLoading.load(self.target)
            guard VaultAccess.location(source.vault) != VaultAccess.location(destination.vault) else {
                throw ExitMessage("--to names the same store as --config (\(VaultAccess.location(source.vault)))")
            }
            let from = try await VaultAccess.store(source.vault)
            let snapshot = try await VaultError.reporting { try await from.snapshot() }
            // Values stay sealed under the same data key: the copy opens with the same master key.
            if let key = try VaultAccess.masterKey(source.vault.masterKey) {
                let vault = try await VaultError.reporting { try await Vault.open(store: from, masterKey: key) }
                if let problem = vault.problems.first {
                    throw ExitMessage("the source vault has an unreadable secret: \(problem)")
                }
            }
            let to = try await VaultAccess.store(destination.vault, create: true)
            do {
                try await to.restore(snapshot)
            } catch let error as VaultError {
                throw ExitMessage(
                    error.shortDescription == "already_initialized"
                        ? "the target \(to.location) already holds a vault or secrets; refusing to migrate into it"
                        : error.description
                )
            }
            let copied = try await VaultError.reporting { try await to.snapshot() }
            guard copied.secrets == snapshot.secrets, copied.versions == snapshot.versions,
                copied.audit == snapshot.audit,
                copied.keyring == snapshot.keyring
            else {
                throw ExitMessage(
                    """
                    the copy in \(to.location) does not match (\(copied.counts), expected \(snapshot.counts)); do \
                    not switch to it
                    """
                )
            }
            print("Copied \(snapshot.counts) from \(from.location) to \(to.location); the counts match.")
            print(
                """
                The target opens with the same master key (id \(snapshot.keyring.masterKeyID)); switch the \
                gateways to \(self.target).
                """
            )
        }
    }
}
