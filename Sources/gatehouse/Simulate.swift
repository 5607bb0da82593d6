import ArgumentParser
import GatehouseCore
import GatehouseServer
import Logging
import ServiceLifecycle

/// `gatehouse simulate NAME [--port N]`: runs a protocol simulator on loopback.
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

    func run() async throws {
        guard let kind = BuiltIns.simulators.first(where: { $0.name == self.name }) else {
            ExitMessage("unknown simulator \"\(self.name)\" (known: \(BuiltIns.simulators.map(\.name).joined(separator: ", ")))").exit()
        }
        LoggingSystem.bootstrap { label in LogfmtLogHandler(label: label, level: .notice) }
        let logger = Logger(label: "gatehouse.simulate.\(kind.name)")
        let service = SimulatorService(kind: kind, host: self.host, port: self.port ?? kind.defaultPort, logger: logger)
        let group = ServiceGroup(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}

/// Runs a simulator until shutdown.
struct SimulatorService: Service {
    let kind: SimulatorKind
    let host: String
    let port: Int
    let logger: Logger

    func run() async throws {
        let logger = self.logger
        let name = self.kind.name
        try await cancelWhenGracefulShutdown {
            try await self.kind.run(self.host, self.port, logger) { port in
                logger.notice("simulator ready", metadata: ["simulator": .string(name), "port": .stringConvertible(port)])
            }
        }
    }
}
