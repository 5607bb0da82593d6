import ArgumentParser
import Foundation
import GatehouseCore

/// `gatehouse vault ...`: the credential vault from the command line.
struct VaultCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vault",
        abstract: "Manage the credential vault (values are read from stdin or a file, never from arguments).",
        subcommands: [
            Init.self, Put.self, List.self, Delete.self, Reveal.self, Audit.self, RotateMaster.self, GenerateKey.self,
            VaultMigrateCommand.self,
        ]
    )

    /// `vault init`.
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the vault store and its data key, sealed under the master key; never overwrites one."
        )
        @OptionGroup var options: ConfigOption

        func run() async throws {
            try await ExitMessage.reporting {
                let config = try ConfigLoading.load(self.options.config)
                guard let key = try VaultAccess.masterKey(config.vault.masterKey) else {
                    throw ExitMessage(
                        VaultAccess.explain(
                            .sealed(location: VaultAccess.location(config.vault)), source: config.vault.masterKey))
                }
                let store = try await VaultAccess.store(config.vault, create: true)
                do {
                    _ = try await Vault.initialize(store: store, masterKey: key, by: VaultAccess.cliActor)
                } catch let error as VaultError {
                    throw ExitMessage(error.description)
                }
                print("Created the vault at \(store.location), sealed with master key id \(key.id).")
            }
        }
    }

    /// `vault put PATH`.
    struct Put: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Write a new version of a secret, read from stdin or --from-file (one trailing newline is dropped)."
        )
        @OptionGroup var options: ConfigOption
        @Argument(help: "Secret path, e.g. crm/token.") var path: String
        @Option(name: .customLong("from-file"), help: "Read the value from this file instead of stdin.") var fromFile:
            String?
        @Option(name: .customLong("expires-at"), help: "ISO 8601 time after which the value is not used.")
        var expiresAt: String?
        @Flag(help: "Keep the value byte for byte (no trailing newline removed).") var raw = false

        func run() async throws {
            try await ExitMessage.reporting {
                guard VaultPath.isValid(self.path) else {
                    throw ExitMessage(VaultError.invalidPath(self.path).description)
                }
                var expiry: Timestamp?
                if let text = self.expiresAt {
                    guard let time = Timestamp(iso8601: text) else {
                        throw ExitMessage("--expires-at: expected ISO 8601, e.g. 2026-12-01T00:00:00Z")
                    }
                    expiry = time
                }
                let data: Data
                if let file = self.fromFile {
                    guard let contents = FileManager.default.contents(atPath: file) else {
                        throw ExitMessage("cannot read \(file)")
                    }
                    data = contents
                } else {
                    data =
                        isatty(0) == 1
                        ? Self.promptHidden("Value for \(self.path) (input hidden): ")
                        : FileHandle.standardInput.readDataToEndOfFile()
                }
                var bytes = [UInt8](data)
                if !self.raw {
                    if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
                    if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
                }
                let config = try ConfigLoading.load(self.options.config)
                let vault = try await VaultAccess.open(config)
                let metadata = try await VaultError.reporting {
                    try await vault.put(self.path, Secret(bytes: bytes), expiresAt: expiry, by: VaultAccess.cliActor)
                }
                print("\(metadata.path): version \(metadata.version) written")
            }
        }

        /// One line from the terminal with echo off, as password prompts do.
        static func promptHidden(_ prompt: String) -> Data {
            FileHandle.standardError.write(Data(prompt.utf8))
            var original = termios()
            let hasTerminal = tcgetattr(0, &original) == 0
            if hasTerminal {
                var silent = original
                silent.c_lflag &= ~tcflag_t(ECHO)
                tcsetattr(0, TCSAFLUSH, &silent)
            }
            defer {
                if hasTerminal { tcsetattr(0, TCSAFLUSH, &original) }
                FileHandle.standardError.write(Data("\n".utf8))
            }
            return Data((readLine(strippingNewline: false) ?? "").utf8)
        }
    }

    /// `vault list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List secrets: paths and metadata, never values.")
        @OptionGroup var options: ConfigOption
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await ExitMessage.reporting {
                let vault = try await VaultAccess.open(try ConfigLoading.load(self.options.config))
                let secrets = try await VaultError.reporting { try await vault.list() }
                if self.json {
                    print(JSON.serialize(.array(secrets.map(\.value))))
                    return
                }
                let rows =
                    [["PATH", "VERSION", "UPDATED", "EXPIRES", "SOURCE"]]
                    + secrets.map {
                        [
                            $0.path, String($0.version), $0.updatedAt.iso8601, $0.expiresAt?.iso8601 ?? "-",
                            $0.source.rawValue,
                        ]
                    }
                print(Table.render(rows))
            }
        }
    }

    /// `vault delete PATH`.
    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a secret and all its versions.")
        @OptionGroup var options: ConfigOption
        @Argument(help: "Secret path.") var path: String

        func run() async throws {
            try await ExitMessage.reporting {
                let vault = try await VaultAccess.open(try ConfigLoading.load(self.options.config))
                try await VaultError.reporting { try await vault.delete(self.path, by: VaultAccess.cliActor) }
                print("\(self.path): deleted")
            }
        }
    }

    /// `vault reveal PATH`.
    struct Reveal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a secret's value on stdout; recorded in the audit table.")
        @OptionGroup var options: ConfigOption
        @Argument(help: "Secret path.") var path: String
        @Option(help: "A kept version instead of the current one.") var version: Int?

        func run() async throws {
            try await ExitMessage.reporting {
                let vault = try await VaultAccess.open(try ConfigLoading.load(self.options.config))
                let entry = try await VaultError.reporting {
                    try await vault.reveal(self.path, version: self.version, by: VaultAccess.cliActor)
                }
                entry.secret.withBytes { FileHandle.standardOutput.write(Data($0 + [UInt8(ascii: "\n")])) }
            }
        }
    }

    /// `vault audit`.
    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the audit table, newest first: who wrote, deleted or revealed what, when.")
        @OptionGroup var options: ConfigOption
        @Option(help: "How many records.") var limit = 50

        func run() async throws {
            try await ExitMessage.reporting {
                let vault = try await VaultAccess.open(try ConfigLoading.load(self.options.config))
                let records = try await VaultError.reporting { try await vault.auditLog(limit: self.limit) }
                let rows =
                    [["AT", "ACTION", "PATH", "VERSION", "SOURCE", "WHO"]]
                    + records.map {
                        [
                            $0.at.iso8601, $0.action.rawValue, $0.path ?? "-", $0.version.map(String.init) ?? "-",
                            $0.actor.source.rawValue, $0.actor.name,
                        ]
                    }
                print(Table.render(rows))
            }
        }
    }

    /// `vault rotate-master --new-key-file F`.
    struct RotateMaster: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-master",
            abstract: "Re-wrap the data key under a new master key (one transaction; safe to run again)."
        )
        @OptionGroup var options: ConfigOption
        @Option(name: .customLong("new-key-file"), help: "File (mode 0600) holding the new key as base64.")
        var newKeyFile: String

        func run() async throws {
            try await ExitMessage.reporting {
                let config = try ConfigLoading.load(self.options.config)
                let newKey = try VaultAccess.masterKey(file: self.newKeyFile)
                let store = try await VaultAccess.store(config.vault)
                let outcome: Vault.Rotation
                do {
                    outcome = try await Vault.rotateMasterKey(
                        store: store,
                        from: try VaultAccess.masterKey(config.vault.masterKey),
                        to: newKey,
                        by: VaultAccess.cliActor
                    )
                } catch let error as VaultError {
                    throw ExitMessage(VaultAccess.explain(error, source: config.vault.masterKey))
                }
                // Prove the new key opens every secret before telling the operator to switch.
                let vault = try await VaultError.reporting { try await Vault.open(store: store, masterKey: newKey) }
                let count = try await VaultError.reporting { try await vault.list().count }
                if let problem = vault.problems.first { throw ExitMessage(problem.description) }
                switch outcome {
                case .rotated:
                    print(
                        """
                        Rotated: the vault is now sealed with master key id \(newKey.id); all \(count) secrets \
                        open with it.
                        """
                    )
                case .alreadyRotated:
                    print(
                        "Already sealed with master key id \(newKey.id); nothing to do (\(count) secrets open with it)."
                    )
                }
                print("Give the new key to every gateway (\(config.vault.masterKey)) before their next start.")
            }
        }
    }

    /// `vault generate-key`.
    struct GenerateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate-key",
            abstract: "Make a new random master key (base64 of 32 bytes)."
        )
        @Option(help: "Write it to this new file with mode 0600 instead of stdout.") var out: String?

        func run() async throws {
            try await ExitMessage.reporting {
                let key = MasterKey.generate()
                let text = key.exportBase64() + "\n"
                guard let out = self.out else {
                    print(text, terminator: "")
                    return
                }
                let descriptor = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
                guard descriptor >= 0 else {
                    throw ExitMessage("cannot create \(out): \(String(cString: strerror(errno)))")
                }
                defer { close(descriptor) }
                let written = text.utf8CString.withUnsafeBufferPointer {
                    write(descriptor, $0.baseAddress, text.utf8.count)
                }
                guard written == text.utf8.count else { throw ExitMessage("cannot write \(out)") }
                print("Wrote a new master key (id \(key.id)) to \(out).")
            }
        }
    }
}

extension VaultError {
    /// Runs `body`, turning a ``VaultError`` into an ``ExitMessage``.
    static func reporting<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as VaultError {
            throw ExitMessage(error.description)
        }
    }
}

/// Left-aligned text columns.
enum Table {
    static func render(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        let widths = (0..<first.count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
