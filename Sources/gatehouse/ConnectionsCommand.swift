import ArgumentParser
import Foundation
import GatehouseCore
import GatehouseCurl
import Logging

/// `gatehouse connections ...`: the running gateway's connections through its admin API (`list`,
/// the default: the health table), and any connection's admin action run in-process (`action`).
struct ConnectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connections",
        abstract: "Connections: the running gateway's health table, or an adapter's admin action run in-process.",
        subcommands: [List.self, Action.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print each connection's credential health: state, expiries, last error, warnings."
        )

        @OptionGroup var options: ConfigOption

        @Option(
            name: .long, help: "The admin listener's URL (default: admin.host and admin.port of the configuration).")
        var adminURL: String?

        @Flag(name: .long, help: "Print the admin API's JSON (the list of connections) instead of the table.")
        var json = false

        func run() async throws {
            try await ExitMessage.reporting {
                let connections = try await AdminClient(
                    config: try ConfigLoading.load(self.options.config), url: self.adminURL
                )
                .get("/admin/v1/connections")
                guard case .array(let list)? = connections["data"] else {
                    throw ExitMessage("the admin API answered without a data list")
                }
                if self.json {
                    print(JSON.serialize(.array(list)))
                } else {
                    print(ConnectionsTable.render(list), terminator: "")
                }
            }
        }
    }

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
            throw ExitMessage(
                "connection \(name) (adapter \(entry.adapter)) has no admin action \"\(action)\" (known: \(known))")
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

/// Calls the running gateway's admin API with the admin token of the configuration.
struct AdminClient {
    let base: String
    let token: Secret

    init(config: GatewayConfiguration, url: String?) async throws {
        guard let admin = config.admin else {
            throw ExitMessage("\(config.file): no admin: section, so the gateway has no admin API to ask")
        }
        if let url {
            guard let parsed = BaseURL(url) else {
                throw ExitMessage("--admin-url: \"\(url)\" is not an http:// or https:// URL")
            }
            self.base = parsed.origin
        } else {
            let host = admin.host.contains(":") ? "[\(admin.host)]" : admin.host
            self.base = "\(admin.tls == nil ? "http" : "https")://\(host):\(admin.port)"
        }
        let vault = admin.token.isVault ? try await VaultAccess.open(config) : nil
        let secrets = CompositeSecretSource(
            environment: EnvironmentSecretSource(environment: ProcessInfo.processInfo.environment), vault: vault)
        if let problem = Serve.problem(with: admin.token, in: secrets) {
            throw ExitMessage(admin.node.error("the admin token (\(admin.token)) \(problem)").description)
        }
        guard let token = try secrets.secret(for: admin.token) else { throw ExitMessage("the admin token is not set") }
        self.token = token
    }

    /// `GET path`: the parsed JSON answer, or the gateway's error message.
    func get(_ path: String) async throws -> Value {
        let transport = CurlTransport(logger: Logger(label: "gatehouse.cli"))
        defer { transport.shutdown() }
        let response: UpstreamResponse
        var options = TransportOptions()
        options.timeoutMilliseconds = 30_000
        do {
            response = try await transport.send(
                UpstreamRequest(
                    method: .get, url: self.base + path, headers: [.authorization: "Bearer \(self.token.reveal())"],
                    options: options))
        } catch {
            throw ExitMessage("cannot reach the admin API at \(self.base): \(error)")
        }
        let body = try await response.collectBody(upTo: 16 << 20)
        let value = try? JSON.parse(body.readableBytesView)
        guard response.status == 200, let value else {
            let message = value?["error"]?["message"]?.stringValue ?? "HTTP \(response.status)"
            throw ExitMessage("the admin API at \(self.base) refused: \(message)")
        }
        return value
    }
}

/// The text table of `gatehouse connections`.
enum ConnectionsTable {
    static let headings = ["CONNECTION", "ADAPTER", "STATE", "EXPIRES", "LAST ERROR", "WARNING"]

    static func render(_ list: [Value]) -> String {
        var rows = [Self.headings]
        for entry in list {
            var expiries: [String] = []
            if case .object(let object)? = entry["expiries"] {
                for member in object.members { expiries.append("\(member.key) \(member.value.stringValue ?? "?")") }
            }
            var lastError = entry["last_error"]?.stringValue ?? "-"
            if let at = entry["last_error_at"]?.stringValue, lastError != "-" { lastError += " at \(at)" }
            var state = entry["state"]?.stringValue ?? "?"
            if let circuit = entry["circuit"]?.stringValue, circuit != "closed" { state += " (circuit \(circuit))" }
            rows.append([
                entry["name"]?.stringValue ?? "?", entry["adapter"]?.stringValue ?? "?", state,
                expiries.isEmpty ? "-" : expiries.joined(separator: ", "), lastError,
                entry["warning"]?.stringValue ?? "-",
            ])
        }
        var widths = [Int](repeating: 0, count: Self.headings.count)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        var out = ""
        for row in rows {
            var line = ""
            for (index, cell) in row.enumerated() {
                line +=
                    index == row.count - 1
                    ? cell : cell.padding(toLength: widths[index] + 2, withPad: " ", startingAt: 0)
            }
            out += line + "\n"
        }
        return out
    }
}
