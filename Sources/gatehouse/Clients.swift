import ArgumentParser
import GatehouseCore

/// `gatehouse clients ...`: manage gateway-issued API keys.
struct Clients: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage callers (API-key clients).",
        subcommands: [Add.self]
    )

    /// `gatehouse clients add NAME --connections a,b`.
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API key: prints the key once and the config entry holding only its hash."
        )

        @Argument(help: "Client name.")
        var name: String

        @Option(name: .long, help: "Comma-separated connections the client may call.")
        var connections: String

        func run() async throws {
            try await ExitMessage.reporting {
                let names = self.connections.split(separator: ",").map { String($0).filter { $0 != " " } }.filter {
                    !$0.isEmpty
                }
                guard !self.name.isEmpty, self.name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) })
                else {
                    ExitMessage("client names may use letters, digits, '-', '_' and '.'").exit()
                }
                let (key, hash) = APIKey.generate()
                print("API key for \(self.name) (shown once; Gatehouse keeps only its hash):")
                print("")
                print("  \(key)")
                print("")
                print("Add to the clients: section of your configuration:")
                print("")
                print("  \(self.name):")
                print("    key_sha256: \"\(hash)\"")
                print("    connections: [\(names.joined(separator: ", "))]")
            }
        }
    }
}
