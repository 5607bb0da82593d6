import ArgumentParser
import CoreMetrics
import Foundation
import GatehouseCore
import GatehouseCurl
import GatehouseServer
import Logging
import Prometheus
import ServiceLifecycle

/// `gatehouse serve`: runs the gateway until SIGTERM/SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the gateway.")

    @OptionGroup var options: ConfigOption

    @Option(name: .long, help: "Override server.port (0 picks a free port).")
    var port: Int?

    func run() async throws {
        do {
            try await self.serve()
        } catch let error as ExitMessage {
            error.exit()
        }
    }

    private func serve() async throws {
        var config = try ConfigLoading.load(self.options.config)
        if let port { config.server.port = port }
        let level = Logger.Level(rawValue: config.server.logLevel) ?? .info
        LoggingSystem.bootstrap { label in LogfmtLogHandler(label: label, level: level) }
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        MetricsSystem.bootstrap(factory)
        let logger = Logger(label: "gatehouse")

        let secrets = CompositeSecretSource(
            environment: EnvironmentSecretSource(environment: ProcessInfo.processInfo.environment),
            vault: nil
        )
        let transport = CurlTransport(logger: Logger(label: "gatehouse.transport"))
        let gateway: Gateway
        do {
            gateway = try GatewayAssembly.gateway(config: config, transport: transport, secrets: secrets)
            try Self.verifyCredentials(config: config, secrets: secrets)
        } catch {
            transport.shutdown()
            throw error
        }
        let server = GatewayServer(
            configuration: .init(host: config.server.host, port: config.server.port, maxBodyBytes: config.server.maxBodyBytes),
            gateway: gateway,
            services: [TransportService(transport: transport)],
            metricsFactory: factory,
            renderMetrics: {
                var buffer: [UInt8] = []
                registry.emit(into: &buffer)
                return buffer
            },
            logger: logger
        )
        var groupConfiguration = ServiceGroupConfiguration(
            services: [.init(service: server)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(config.server.shutdownGraceSeconds)
        groupConfiguration.maximumCancellationDuration = .seconds(5)
        defer { LogfmtLogHandler.flush() }
        try await ServiceGroup(configuration: groupConfiguration).run()
        logger.notice("stopped")
    }

    /// Every credential must resolve before serving; the message names connection and key.
    static func verifyCredentials(config: GatewayConfiguration, secrets: any SecretSource) throws {
        for connection in config.connections {
            for credential in connection.credentials {
                let value = try? secrets.secret(for: credential.reference)
                if value == nil || value!.isEmpty {
                    let error = credential.node.error(
                        "connection \(connection.name): credential \(credential.name) (\(credential.reference)) is not set"
                    )
                    throw ExitMessage(error.description)
                }
            }
        }
    }
}

/// Runs the curl transport for the application's lifetime and shuts it down last.
struct TransportService: Service {
    let transport: CurlTransport

    func run() async throws {
        try? await gracefulShutdown()
        self.transport.shutdown()
    }
}
