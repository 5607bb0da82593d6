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
    /// HTTP/1 with each connection's task bound to its event loop, behind TLS from `certificate`.
    static func eventLoopBoundHTTP1(tls certificate: ListenerCertificate) -> HTTPServerBuilder {
        .init { responder in
            TLSListenerChannel(base: EventLoopBoundChannel(inner: HTTP1Channel(responder: responder)), certificate: certificate)
        }
    }
}
