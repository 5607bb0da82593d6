import ArgumentParser
import Foundation
import GatehouseCore
import GatehouseCurl
import Logging

/// `gatehouse connections ...`: the configured connections.
struct ConnectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connections",
        abstract: "Connections: run an adapter's admin action in-process.",
        subcommands: [Action.self]
    )

    /// `gatehouse connections action CONNECTION ACTION [--stdin]`: one of the admin actions the
    /// connection's adapter declares (``ConnectionEndpoints/adminActions``), the same as
    /// `POST /admin/v1/connections/{c}/{action}`, run in this process against the configured vault.
    struct Action: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one of a connection's admin actions (e.g. keyfax/bootstrap); prints its JSON answer."
        )

        @Argument(help: "The connection.") var connection: String
        @Argument(help: "The admin action (an unknown one lists those the connection offers).") var action: String
        @Flag(name: .long, help: "Read the action's arguments as a JSON object on standard input (never in argv).")
        var stdin = false
        @OptionGroup var options: ConfigOption

        func run() async throws {
            try await ExitMessage.reporting {
                try await ConnectionActionRunner.run(
                    configPath: self.options.config, connection: self.connection, action: self.action,
                    input: self.stdin ? .standardInput : .none)
            }
        }
    }
}

/// Runs a connection's admin action in-process: builds the gateway from the configuration (vault
/// opened, adapters built, nothing served), performs the action and prints its answer.
enum ConnectionActionRunner {
    /// Where an action's arguments come from.
    enum Input {
        /// No arguments; an action that declares input refuses to run.
        case none
        /// A JSON object on standard input.
        case standardInput
        /// Standard input when the action declares input (``ConnectionAction/input``), else none.
        case asDeclared
    }

    /// A JSON object from standard input.
    static func readArguments() throws -> Value {
        let data = FileHandle.standardInput.readDataToEndOfFile()
        guard let value = try? JSON.parse([UInt8](data)), case .object = value else {
            throw ExitMessage("--stdin reads the action's arguments as one JSON object")
        }
        return value
    }

    /// Performs `action` on `connection` and prints its JSON answer on standard output.
    static func run(configPath: String, connection name: String, action: String, input: Input) async throws {
        let config = try ConfigLoading.load(configPath)
        guard let entry = config.connection(named: name) else {
            throw ExitMessage("unknown connection \"\(name)\" in \(configPath)")
        }
        let vault = config.usesVault ? try await VaultAccess.open(config) : nil
        let transport = CurlTransport(logger: Logger(label: "gatehouse.transport"))
        defer { transport.shutdown() }
        let gateway = try GatewayAssembly.gateway(
            config: config,
            transport: transport,
            secrets: CompositeSecretSource(
                environment: EnvironmentSecretSource(environment: ProcessInfo.processInfo.environment), vault: vault),
            vault: vault
        )
        let offered = gateway.connections[name]?.endpoints?.adminActions ?? []
        guard let declared = offered.first(where: { $0.name == action }) else {
            let known = offered.isEmpty ? "none" : offered.map(\.name).joined(separator: ", ")
            throw ExitMessage("connection \(name) (adapter \(entry.adapter)) has no admin action \"\(action)\" (known: \(known))")
        }
        var arguments = Value.object([:])
        switch (input, declared.input) {
        case (.none, let wanted?): throw ExitMessage("\(action) reads \(wanted) on standard input: add --stdin")
        case (.standardInput, _), (.asDeclared, _?): arguments = try Self.readArguments()
        case (.none, nil), (.asDeclared, nil): break
        }
        do {
            let result = try await gateway.connections[name]!.endpoints!.adminAction(action, arguments: arguments)
            print(JSON.serialize(result))
        } catch let error as GatewayError {
            throw ExitMessage("\(name): \(error.message)")
        }
    }
}
