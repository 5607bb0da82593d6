import GatehouseConsole
import GatehouseCore
import Hummingbird
import Logging
import CoreMetrics
import ServiceLifecycle

/// The inbound side of the gateway as a swift-service-lifecycle `Service`: Hummingbird serving
/// the data plane's routes and, when `admin:` is configured, the admin listener's on an address
/// of their own, with the given background services (transport, refreshers) started before them
/// and stopped after them.
public struct GatewayServer: Service {
    /// Server settings.
    public struct Configuration: Sendable {
        /// The data plane's listener (`server.host`, `server.port`).
        public var listener: Listener
        /// The admin listener (`admin.host`, `admin.port`); `nil` when there is no `admin:` section.
        public var adminListener: Listener?
        public var maxBodyBytes: Int
        /// Largest operation body (`server.max_operation_body_bytes`).
        public var maxOperationBodyBytes: Int
        /// Whether the proxy route states `X-Forwarded-For` / `X-Forwarded-Proto` (`server.forwarded_headers`).
        public var forwardedHeaders: GatewayConfiguration.Server.ForwardedHeaders
        /// `max_connections`, `idle_timeout_seconds`, `request_head_timeout_seconds`, `max_request_head_bytes`.
        public var inbound: GatewayConfiguration.Server

        /// The data plane's address.
        public var host: String { self.listener.host }
        /// The data plane's port.
        public var port: Int { self.listener.port }

        /// Creates a configuration.
        public init(
            host: String,
            port: Int,
            admin: Listener? = nil,
            maxBodyBytes: Int,
            maxOperationBodyBytes: Int = GatewayConfiguration.Server().maxOperationBodyBytes,
            forwardedHeaders: GatewayConfiguration.Server.ForwardedHeaders = .set,
            tls: ListenerCertificate? = nil,
            inbound: GatewayConfiguration.Server = GatewayConfiguration.Server()
        ) {
            self.listener = Listener(role: .data, host: host, port: port, tls: tls)
            self.adminListener = admin
            self.inbound = inbound
            self.maxBodyBytes = maxBodyBytes
            self.maxOperationBodyBytes = maxOperationBodyBytes
            self.forwardedHeaders = forwardedHeaders
        }
    }

    private let configuration: Configuration
    private let live: LiveGateway
    private let reload: ConfigReload?
    private let vault: Vault?
    private let admin: AdminAuthenticator?
    private let console: Console.Configuration?
    private let services: [any Service]
    private let metricsFactory: any MetricsFactory
    private let renderMetrics: @Sendable () -> [UInt8]
    private let logger: Logger
    private let onReady: @Sendable (Int) -> Void
    /// Readiness shown by `/readyz`.
    public let readiness: Readiness

    /// Creates the server. `vault` serves the admin secrets API and is followed for changes by
    /// other processes; `admin` guards the admin listener's routes (absent: 404); `console`
    /// turns the operator console on at the admin listener's root. `onReady`
    /// receives the data plane's bound port (useful with port 0) once every listener is bound.
    public init(
        configuration: Configuration,
        gateway: LiveGateway,
        reload: ConfigReload? = nil,
        vault: Vault? = nil,
        admin: AdminAuthenticator? = nil,
        console: Console.Configuration? = nil,
        services: [any Service] = [],
        metricsFactory: any MetricsFactory,
        renderMetrics: @escaping @Sendable () -> [UInt8],
        readiness: Readiness = Readiness(),
        logger: Logger,
        onReady: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.live = gateway
        self.reload = reload
        self.vault = vault
        self.admin = admin
        self.console = console
        self.services = services
        self.metricsFactory = metricsFactory
        self.renderMetrics = renderMetrics
        self.readiness = readiness
        self.logger = logger
        self.onReady = onReady
    }

    public func run() async throws {
        let metrics = GatewayMetrics(factory: self.metricsFactory)
        let adminAPI = AdminAPI(
            authenticator: self.admin, vault: self.vault, gateway: self.live.current, reload: self.reload)
        let traffic = RecentTraffic(connections: self.live.current.connections.keys)
        let console: Console?
        if let configuration = self.console, let admin = self.admin, self.configuration.adminListener != nil {
            console = try Console(
                configuration: configuration, gateway: self.live, vault: self.vault, authenticator: admin,
                traffic: traffic,
                logger: Logger(label: "gatehouse.console"))
        } else {
            console = nil
        }
        await self.reload?.attach(console)
        func responder(_ role: Listener.Role) -> GatewayResponder {
            GatewayResponder(
                role: role,
                live: self.live,
                gateway: self.live.current,
                maxBodyBytes: self.configuration.maxBodyBytes,
                maxOperationBodyBytes: self.configuration.maxOperationBodyBytes,
                forwardedHeaders: self.configuration.forwardedHeaders,
                forwardedProto: self.configuration.listener.tls == nil ? "http" : "https",
                metrics: metrics,
                readiness: self.readiness,
                admin: adminAPI,
                console: role == .admin ? console : nil,
                traffic: traffic,
                renderMetrics: self.renderMetrics,
                logger: self.logger,
                accessLog: LogfmtLogHandler.accessWriter(for: self.logger)
            )
        }
        let readiness = self.readiness
        let onReady = self.onReady
        let logger = self.logger
        let data = self.configuration.listener
        let adminListener = self.configuration.adminListener
        // Ready, and one "listening" line, once every listener is bound: `port` is the data
        // plane's, `admin_port` the admin listener's, `event_loops` how many loops serve them.
        let rendezvous = ListenerRendezvous(expected: adminListener == nil ? [.data] : [.data, .admin]) { ports in
            readiness.markReady()
            var metadata: Logger.Metadata = [
                "host": .string(data.host), "port": .stringConvertible(ports[.data] ?? 0),
                "scheme": .string(data.scheme), "event_loops": .stringConvertible(ServerEventLoops.count),
            ]
            if let adminListener {
                metadata["admin_host"] = .string(adminListener.host)
                metadata["admin_port"] = .stringConvertible(ports[.admin] ?? 0)
                metadata["scheme_admin"] = .string(adminListener.scheme)
            }
            logger.notice("listening", metadata: metadata)
            onReady(ports[.data] ?? 0)
        }
        var services = self.services
        if let adminListener {
            // Stopped after the data plane has drained and before the transport its actions use.
            // Its own connection count under the same inbound limits.
            let application = adminListener.application(
                responder: responder(.admin), services: [], limits: InboundLimits(self.configuration.inbound),
                onRunning: { rendezvous.running(.admin, port: $0) }, logger: logger)
            services.append(AdminListenerService(application: application))
        }
        services.append(ShutdownWatcher(readiness: readiness))
        services.append(MaintenanceService(live: self.live, clock: ContinuousClock(), logger: self.logger))
        if let vault = self.vault {
            services.append(
                VaultWatcher(
                    vault: vault, readiness: readiness, interval: vault.configuration.pollInterval, logger: self.logger)
            )
        }
        let app = data.application(
            responder: responder(.data), services: services, limits: InboundLimits(self.configuration.inbound),
            onRunning: { rendezvous.running(.data, port: $0) }, logger: logger)
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
