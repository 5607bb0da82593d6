import ArgumentParser
import CoreMetrics
import Foundation
import GatehouseConsole
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

    @Option(name: .long, help: "Override admin.port, the admin listener's port (0 picks a free port).")
    var adminPort: Int?

    func run() async throws {
        do {
            try await self.serve()
        } catch let error as ExitMessage {
            error.exit()
        }
    }

    private func serve() async throws {
        let path = self.options.config
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ExitMessage("\(path): cannot read the configuration file")
        }
        var config = try ConfigLoading.load(text: text, path: path)
        let startSections: [String: String]
        do {
            startSections = try ConfigReloading.sections(of: text, file: path)
        } catch {
            throw ExitMessage(error.description)
        }
        if let port { config.server.port = port }
        if let adminPort {
            guard (0...65535).contains(adminPort) else { throw ExitMessage("--admin-port: expected 0-65535") }
            config.admin?.port = adminPort
        }
        if let admin = config.admin, admin.port != 0, admin.port == config.server.port {
            throw ExitMessage(
                "the admin listener needs its own port: server.port and admin.port are both \(admin.port)")
        }
        let level = Logger.Level(rawValue: config.server.logLevel) ?? .info
        let format = LogfmtLogHandler.LogFormat(rawValue: config.server.logFormat) ?? .logfmt
        CommandLogging.bootstrap(level: level, format: format)
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        MetricsSystem.bootstrap(factory)
        let logger = Logger(label: "gatehouse")

        // A configured vault must unseal before anything serves; the message says what is missing.
        let vault = config.usesVault ? try await VaultAccess.open(config) : nil
        if let vault {
            for problem in vault.problems {
                logger.error("vault secret unreadable", metadata: ["reason": .string(problem.description)])
            }
        }
        let secrets = CompositeSecretSource(
            environment: EnvironmentSecretSource(environment: ProcessInfo.processInfo.environment),
            vault: vault
        )
        // TLS material first: a bad certificate or key refuses to start with file:line.
        let pemFiles = try TLSFiles.read(config)
        try TLSFiles.checkConnections(config, pemFiles: pemFiles, secrets: secrets, trust: .libcurlDefaults)
        let listenerCertificate = try config.server.tls.flatMap {
            try TLSFiles.listenerCertificate($0, secrets: secrets)
        }
        let adminCertificate = try config.admin?.tls.flatMap { try TLSFiles.listenerCertificate($0, secrets: secrets) }
        let transport = CurlTransport(logger: Logger(label: "gatehouse.transport"))
        let gateway: Gateway
        do {
            gateway = try GatewayAssembly.gateway(
                config: config, transport: transport, secrets: secrets, vault: vault, pemFiles: pemFiles)
            try Self.verifyCredentials(config: config, secrets: secrets)
        } catch {
            transport.shutdown()
            throw error
        }
        let live = LiveGateway(gateway)
        let reloading = ConfigReloading(
            path: path, startSections: startSections, transport: transport, secrets: secrets, vault: vault)
        let reload = ConfigReload(live: live, logger: Logger(label: "gatehouse.config")) { running in
            try await reloading.build(running: running)
        }
        let server = GatewayServer(
            configuration: .init(
                host: config.server.host,
                port: config.server.port,
                admin: config.admin.map { Listener(role: .admin, host: $0.host, port: $0.port, tls: adminCertificate) },
                maxBodyBytes: config.server.maxBodyBytes,
                maxOperationBodyBytes: config.server.maxOperationBodyBytes,
                forwardedHeaders: config.server.forwardedHeaders,
                tls: listenerCertificate,
                inbound: config.server
            ),
            gateway: live,
            reload: reload,
            vault: vault,
            admin: config.admin.map { AdminAuthenticator(reference: $0.token, source: secrets) },
            console: Self.console(config),
            services: [TransportService(transport: transport)]
                + [
                    Self.reloadService(
                        config, data: listenerCertificate, admin: adminCertificate, secrets, reload: reload, logger)
                ]
                + Self.alertServices(config, live: live, secrets: secrets, transport: transport),
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
                guard let problem = Self.problem(with: credential.reference, in: secrets) else { continue }
                let error = credential.node.error(
                    "connection \(connection.name): credential \(credential.name) (\(credential.reference)) \(problem)")
                throw ExitMessage(error.description)
            }
        }
        if let admin = config.admin, let problem = Self.problem(with: admin.token, in: secrets) {
            throw ExitMessage(admin.node.error("the admin token (\(admin.token)) \(problem)").description)
        }
        if let hook = config.alerts?.webhook, let problem = Self.problem(with: hook.secret, in: secrets) {
            throw ExitMessage(hook.secretNode.error("the web hook secret (\(hook.secret)) \(problem)").description)
        }
    }
}

extension Serve {
    /// What the console shows from the configuration: clients (never their key hashes) and each
    /// connection's upstream origin.
    static func console(_ config: GatewayConfiguration) -> Console.Configuration {
        let clients = config.clients.map { client -> Console.Configuration.Client in
            let authenticator: String
            switch client.authenticator {
            case .apiKey: authenticator = "api_key"
            case .token(let validator, let prefixes, _):
                authenticator = "token via \(validator), client prefixes \(prefixes.joined(separator: ", "))"
            }
            return .init(name: client.name, authenticator: authenticator, connections: client.connections)
        }
        var origins: [String: String] = [:]
        for connection in config.connections { origins[connection.name] = connection.baseURL.origin }
        // The session cookie is `Secure` when the admin listener serves TLS.
        return Console.Configuration(clients: clients, origins: origins, secureCookies: config.admin?.tls != nil)
    }

    /// SIGHUP re-reads the certificates of the listeners that serve TLS, then reloads the configuration.
    static func reloadService(
        _ config: GatewayConfiguration, data: ListenerCertificate?, admin: ListenerCertificate?,
        _ secrets: any SecretSource,
        reload: ConfigReload, _ logger: Logger
    ) -> any Service {
        var entries: [CertificateReloadService.Entry] = []
        if let settings = config.server.tls, let data {
            entries.append(.init(listener: "data", settings: settings, certificate: data))
        }
        if let settings = config.admin?.tls, let admin {
            entries.append(.init(listener: "admin", settings: settings, certificate: admin))
        }
        let certificates =
            entries.isEmpty ? nil : CertificateReloadService(entries: entries, secrets: secrets, logger: logger)
        return ReloadSignalService(certificates: certificates, config: reload)
    }

    /// `alerts:`: the health watcher, posting to the web hook when one is configured.
    static func alertServices(
        _ config: GatewayConfiguration, live: LiveGateway, secrets: any SecretSource, transport: any UpstreamTransport
    ) -> [any Service] {
        guard let alerts = config.alerts else { return [] }
        let logger = Logger(label: "gatehouse.alerts")
        let sender = alerts.webhook.map {
            WebhookSender(settings: $0, secrets: secrets, transport: transport, logger: logger)
        }
        return [
            AlertService(
                live: live, sender: sender, interval: .milliseconds(alerts.checkIntervalMilliseconds), logger: logger)
        ]
    }

    /// Why `reference` cannot be used, or `nil` when it resolves to a non-empty value.
    static func problem(with reference: SecretReference, in secrets: any SecretSource) -> String? {
        do {
            if let value = try secrets.secret(for: reference), !value.isEmpty { return nil }
        } catch let error as VaultError {
            return error.shortDescription == "expired" ? error.description : "cannot be used: \(error)"
        } catch {
            return "cannot be read"
        }
        return reference.isVault ? "is not set (store it with `gatehouse vault put \(reference.path)`)" : "is not set"
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
