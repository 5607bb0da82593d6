import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// One HTTP listener of the gateway: the data plane (`server:`) or the admin listener (`admin:`).
///
/// Both are built by ``application(responder:services:limits:onRunning:logger:)`` from this one value,
/// so an option that belongs to a listener (a bind address today, TLS tomorrow) is declared here
/// once and applies to both.
public struct Listener: Sendable {
    /// Which listener this is: its role decides the routes it serves.
    public enum Role: String, Sendable {
        /// `/proxy`, `/v1`, `/oauth/{c}/callback`, `/hooks/`, `/healthz`, `/readyz`, `/metrics`.
        case data
        /// `/admin/v1/...`, `GET /oauth/{c}/start` and the console.
        case admin
    }

    /// Which listener this is.
    public var role: Role
    /// Address to bind.
    public var host: String
    /// Port to bind (0 picks a free one).
    public var port: Int
    /// Serve HTTPS with this certificate (`server.tls`, `admin.tls`); `nil` serves plain HTTP.
    public var tls: ListenerCertificate?

    /// A listener on `host:port`, behind TLS when `tls` is given.
    public init(role: Role, host: String, port: Int, tls: ListenerCertificate? = nil) {
        self.role = role
        self.host = host
        self.port = port
        self.tls = tls
    }

    /// The `Server` header of every answer.
    static let serverName = "gatehouse"

    /// `https` behind TLS, else `http`.
    public var scheme: String { self.tls == nil ? "http" : "https" }

    /// The Hummingbird application serving `responder` on this listener under the inbound
    /// `limits` (behind TLS when it has a certificate), with `services` run beside it;
    /// `onRunning` receives the bound port.
    func application(
        responder: GatewayResponder,
        services: [any Service],
        limits: InboundLimits,
        onRunning: @escaping @Sendable (Int) -> Void,
        logger: Logger
    ) -> Application<GatewayResponder> {
        // Refusals decided from a request's head are answered on the event loop (data plane only).
        let early = self.role == .data ? responder : nil
        return Application(
            responder: responder,
            // Without TLS, exactly the plain builder: nothing is added to the plain-HTTP path.
            server: self.tls.map { .eventLoopBoundHTTP1(limits: limits, early: early, tls: $0) }
                ?? .eventLoopBoundHTTP1(limits: limits, early: early),
            configuration: .init(
                address: .hostname(self.host, port: self.port), serverName: Self.serverName, backlog: limits.backlog),
            services: services,
            onServerRunning: { channel in onRunning(channel.localAddress?.port ?? 0) },
            eventLoopGroupProvider: .shared(ServerEventLoops.group),
            logger: logger
        )
    }
}
