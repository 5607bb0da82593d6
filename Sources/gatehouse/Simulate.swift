import ArgumentParser
import Foundation
import GatehouseAdapters
import GatehouseCore
import GatehouseServer
import GatehouseSimulation
import Logging
import ServiceLifecycle

/// `gatehouse simulate NAME [--port N] [--config FILE]`: runs a protocol simulator on loopback.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a built-in upstream simulator on loopback: "
            + BuiltIns.simulators.map(\.name).joined(separator: ", ") + "."
    )

    @Argument(help: "Simulator name.")
    var name: String

    @Option(name: .long, help: "Port (default: the simulator's own).")
    var port: Int?

    @Option(name: .long, help: "Address to bind.")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "The simulator's own configuration file (default: its built-in demo data).")
    var config: String?

    func run() async throws {
        guard let kind = BuiltIns.simulators.first(where: { $0.name == self.name }) else {
            ExitMessage(
                "unknown simulator \"\(self.name)\" (known: \(BuiltIns.simulators.map(\.name).joined(separator: ", ")))"
            ).exit()
        }
        var configuration: SimulatorKind.ConfigurationFile?
        if let path = self.config {
            guard kind.acceptsConfiguration else { ExitMessage("simulator \(kind.name) takes no --config").exit() }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                ExitMessage("\(path): cannot read the configuration file").exit()
            }
            configuration = SimulatorKind.ConfigurationFile(path: path, text: text)
        }
        CommandLogging.bootstrap(level: .notice)
        let logger = Logger(label: "gatehouse.simulate.\(kind.name)")
        let launch = SimulatorKind.Launch(
            host: self.host, port: self.port ?? kind.defaultPort, logger: logger, configuration: configuration)
        let service = SimulatorService(kind: kind, launch: launch)
        let group = ServiceGroup(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        do {
            try await group.run()
        } catch let error as ConfigError {
            LogfmtLogHandler.flush()
            ExitMessage(error.description).exit()
        }
    }
}

/// Runs a simulator until shutdown.
struct SimulatorService: Service {
    let kind: SimulatorKind
    let launch: SimulatorKind.Launch

    func run() async throws {
        let logger = self.launch.logger
        let name = self.kind.name
        try await cancelWhenGracefulShutdown {
            try await self.kind.start(self.launch) { port in
                logger.notice(
                    "simulator ready", metadata: ["simulator": .string(name), "port": .stringConvertible(port)])
            }
        }
    }
}
