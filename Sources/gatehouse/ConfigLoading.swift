import Foundation
import GatehouseAdapters
import GatehouseCore
import GatehouseServer

/// Reads and validates the configuration file; the one place that touches it.
enum ConfigLoading {
    static func load(_ path: String) throws -> GatewayConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ExitMessage("\(path): cannot read the configuration file")
        }
        return try Self.load(text: text, path: path)
    }

    /// Validates configuration `text` read from `path`.
    static func load(text: String, path: String) throws -> GatewayConfiguration {
        do {
            var config = try GatewayConfiguration.load(text: text, file: path, adapterKinds: BuiltIns.adapters.names)
            config.file = path
            return config
        } catch {
            throw ExitMessage(error.description)
        }
    }
}

/// An error that ends the command with a message on standard error and exit status 2.
struct ExitMessage: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }

    /// Runs `body` with the commands' logging (``CommandLogging``, at warning), printing an
    /// ``ExitMessage`` it throws and exiting with status 2.
    static func reporting(_ body: () async throws -> Void) async throws {
        CommandLogging.bootstrap(level: .warning)
        defer { LogfmtLogHandler.flush() }
        do {
            try await body()
        } catch let error as ExitMessage {
            LogfmtLogHandler.flush()
            error.exit()
        }
    }

    /// Prints the message and exits.
    func exit() -> Never {
        FileHandle.standardError.write(Data(("gatehouse: " + self.description + "\n").utf8))
        Foundation.exit(2)
    }
}
