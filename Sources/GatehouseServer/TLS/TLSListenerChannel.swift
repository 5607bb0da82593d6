import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// Any Hummingbird child channel behind TLS, with the context taken from a
/// ``ListenerCertificate`` when each connection is accepted (so a renewed certificate applies to
/// new connections at once). The wrapped channel, and its event-loop binding, are unchanged.
struct TLSListenerChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let certificate: ListenerCertificate

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let context = self.certificate.current
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
        }.flatMap {
            self.base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await self.base.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// The event-loop-bound HTTP/1 listener under `limits` (connection cap, head guard), behind
    /// TLS from `certificate`: the TLS handler sits next to the socket, everything else as without it.
    static func eventLoopBoundHTTP1(
        limits: InboundLimits, early: GatewayResponder?, tls certificate: ListenerCertificate
    ) -> HTTPServerBuilder {
        .init { responder in
            TLSListenerChannel(
                base: EventLoopBoundChannel(responder: responder, limits: limits, early: early),
                certificate: certificate)
        }
    }
}
