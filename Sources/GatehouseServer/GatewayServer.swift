import GatehouseCore
import Hummingbird
import Logging
import CoreMetrics
import ServiceLifecycle

/// The inbound side of the gateway as a swift-service-lifecycle `Service`: Hummingbird serving
/// the gateway routes, with the given background services (transport, refreshers) started
/// before it and stopped after it.
public struct GatewayServer: Service {
    /// Server settings.
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var maxBodyBytes: Int
        /// Largest operation body (`server.max_operation_body_bytes`).
        public var maxOperationBodyBytes: Int
        /// Whether the proxy route states `X-Forwarded-For` / `X-Forwarded-Proto` (`server.forwarded_headers`).
        public var forwardedHeaders: GatewayConfiguration.Server.ForwardedHeaders

        /// Creates a configuration.
        public init(
            host: String,
            port: Int,
            maxBodyBytes: Int,
            maxOperationBodyBytes: Int = GatewayConfiguration.Server().maxOperationBodyBytes,
            forwardedHeaders: GatewayConfiguration.Server.ForwardedHeaders = .set
        ) {
            self.host = host
            self.port = port
            self.maxBodyBytes = maxBodyBytes
            self.maxOperationBodyBytes = maxOperationBodyBytes
            self.forwardedHeaders = forwardedHeaders
        }
    }

    private let configuration: Configuration
    private let gateway: Gateway
    private let vault: Vault?
    private let admin: AdminAuthenticator?
    private let services: [any Service]
    private let metricsFactory: any MetricsFactory
    private let renderMetrics: @Sendable () -> [UInt8]
    private let logger: Logger
    private let onReady: @Sendable (Int) -> Void
    /// Readiness shown by `/readyz`.
    public let readiness: Readiness

    /// Creates the server. `vault` serves the admin secrets API and is followed for changes by
    /// other processes; `admin` guards `/admin/v1` (absent: 404). `onReady` receives the bound
    /// port (useful with port 0).
    public init(
        configuration: Configuration,
        gateway: Gateway,
        vault: Vault? = nil,
        admin: AdminAuthenticator? = nil,
        services: [any Service] = [],
        metricsFactory: any MetricsFactory,
        renderMetrics: @escaping @Sendable () -> [UInt8],
        readiness: Readiness = Readiness(),
        logger: Logger,
        onReady: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.gateway = gateway
        self.vault = vault
        self.admin = admin
        self.services = services
        self.metricsFactory = metricsFactory
        self.renderMetrics = renderMetrics
        self.readiness = readiness
        self.logger = logger
        self.onReady = onReady
    }

    public func run() async throws {
        let responder = GatewayResponder(
            gateway: self.gateway,
            maxBodyBytes: self.configuration.maxBodyBytes,
            maxOperationBodyBytes: self.configuration.maxOperationBodyBytes,
            forwardedHeaders: self.configuration.forwardedHeaders,
            metrics: GatewayMetrics(factory: self.metricsFactory),
            readiness: self.readiness,
            admin: AdminAPI(authenticator: self.admin, vault: self.vault, gateway: self.gateway),
            renderMetrics: self.renderMetrics,
            logger: self.logger
        )
        let readiness = self.readiness
        let onReady = self.onReady
        let logger = self.logger
        var services = self.services + [ShutdownWatcher(readiness: readiness)]
        let maintained = self.gateway.connections.values.compactMap(\.maintenance)
        if !maintained.isEmpty { services.append(MaintenanceService(adapters: maintained, clock: ContinuousClock())) }
        if let vault = self.vault {
            services.append(VaultWatcher(vault: vault, readiness: readiness, interval: vault.configuration.pollInterval, logger: self.logger))
        }
        let app = Application(
            responder: responder,
            server: .eventLoopBoundHTTP1(),
            configuration: .init(
                address: .hostname(self.configuration.host, port: self.configuration.port),
                serverName: "gatehouse"
            ),
            services: services,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                readiness.markReady()
                logger.notice("listening", metadata: ["host": .string(channel.localAddress?.ipAddress ?? "?"), "port": .stringConvertible(port)])
                onReady(port)
            },
            logger: self.logger
        )
        try await app.run()
    }
}

/// Flips readiness to false as soon as graceful shutdown begins, so load balancers stop
/// sending while in-flight requests finish.
struct ShutdownWatcher: Service {
    let readiness: Readiness

    func run() async throws {
        try? await gracefulShutdown()
        self.readiness.markNotReady("shutting down")
    }
}
