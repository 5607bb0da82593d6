import ArgumentParser
import Foundation
import GatehouseCore
import GatehouseCurl
import Logging

/// `gatehouse keyfax bootstrap|rotate|delete|import CONNECTION`: a Keyfax connection's key
/// lifecycle from the command line; the same actions as `POST /admin/v1/connections/{c}/keyfax/...`.
struct KeyfaxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keyfax",
        abstract: "Keyfax keys: bootstrap, rotate (new keys arrive at the gateway's web hook), delete, import emailed keys.",
        subcommands: [Action.self],
        defaultSubcommand: Action.self
    )

    struct Action: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "run", shouldDisplay: false)

        @Argument(help: "bootstrap | rotate | delete | import") var action: String
        @Argument(help: "The keyfax connection.") var connection: String
        @OptionGroup var options: ConfigOption

        func run() async throws {
            try await ExitMessage.reporting {
                guard ["bootstrap", "rotate", "delete", "import"].contains(self.action) else {
                    throw ExitMessage("unknown keyfax action \"\(self.action)\" (known: bootstrap, rotate, delete, import)")
                }
                var arguments = Value.object([:])
                if self.action == "import" {
                    // The emailed pair as {"apiKey", "signingKey"} on stdin, never in argv.
                    let data = FileHandle.standardInput.readDataToEndOfFile()
                    guard let value = try? JSON.parse([UInt8](data)) else {
                        throw ExitMessage("import reads {\"apiKey\": \"...\", \"signingKey\": \"...\"} as JSON on stdin")
                    }
                    arguments = value
                }
                let config = try ConfigLoading.load(self.options.config)
                guard let entry = config.connection(named: self.connection), entry.adapter == "keyfax" else {
                    throw ExitMessage("\(self.connection) is not a keyfax connection in \(self.options.config)")
                }
                LoggingSystem.bootstrap { label in
                    var handler = StreamLogHandler.standardError(label: label)
                    handler.logLevel = .warning
                    return handler
                }
                let vault = try await VaultAccess.open(config)
                let transport = CurlTransport(logger: Logger(label: "gatehouse.transport"))
                defer { transport.shutdown() }
                let gateway = try GatewayAssembly.gateway(
                    config: config,
                    transport: transport,
                    secrets: CompositeSecretSource(environment: EnvironmentSecretSource(environment: ProcessInfo.processInfo.environment), vault: vault),
                    vault: vault
                )
                guard let endpoints = gateway.connections[self.connection]?.endpoints else {
                    throw ExitMessage("\(self.connection) has no key actions")
                }
                do {
                    let result = try await endpoints.adminAction("keyfax/\(self.action)", arguments: arguments)
                    print(JSON.serialize(result))
                } catch let error as GatewayError {
                    throw ExitMessage("\(self.connection): \(error.message)")
                }
            }
        }
    }
}
