import ArgumentParser
import Foundation
import GatehouseCore
import GatehouseCurl
import Logging

/// `gatehouse connections ...`: the running gateway's connections, through its admin API.
/// Without a subcommand it prints the health table (`list`).
struct ConnectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connections",
        abstract: "The running gateway's connections (through its admin API).",
        subcommands: [List.self],
        defaultSubcommand: List.self
    )

    /// `gatehouse connections [list] [--config F] [--admin-url URL] [--json]`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print each connection's credential health: state, expiries, last error, warnings."
        )

        @OptionGroup var options: ConfigOption

        @Option(name: .long, help: "The admin listener's URL (default: admin.host and admin.port of the configuration).")
        var adminURL: String?

        @Flag(name: .long, help: "Print the admin API's JSON (the list of connections) instead of the table.")
        var json = false

        func run() async throws {
            try await ExitMessage.reporting {
                let connections = try await AdminClient(config: try ConfigLoading.load(self.options.config), url: self.adminURL)
                    .get("/admin/v1/connections")
                guard case .array(let list)? = connections["data"] else { throw ExitMessage("the admin API answered without a data list") }
                if self.json {
                    print(JSON.serialize(.array(list)))
                } else {
                    print(ConnectionsTable.render(list), terminator: "")
                }
            }
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
            guard let parsed = BaseURL(url) else { throw ExitMessage("--admin-url: \"\(url)\" is not an http:// or https:// URL") }
            self.base = parsed.origin
        } else {
            let host = admin.host.contains(":") ? "[\(admin.host)]" : admin.host
            self.base = "\(admin.tls == nil ? "http" : "https")://\(host):\(admin.port)"
        }
        let vault = admin.token.isVault ? try await VaultAccess.open(config) : nil
        let secrets = CompositeSecretSource(environment: EnvironmentSecretSource(environment: ProcessInfo.processInfo.environment), vault: vault)
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
                UpstreamRequest(method: .get, url: self.base + path, headers: [.authorization: "Bearer \(self.token.reveal())"], options: options))
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
                expiries.isEmpty ? "-" : expiries.joined(separator: ", "), lastError, entry["warning"]?.stringValue ?? "-",
            ])
        }
        var widths = [Int](repeating: 0, count: Self.headings.count)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        var out = ""
        for row in rows {
            var line = ""
            for (index, cell) in row.enumerated() {
                line += index == row.count - 1 ? cell : cell.padding(toLength: widths[index] + 2, withPad: " ", startingAt: 0)
            }
            out += line + "\n"
        }
        return out
    }
}
