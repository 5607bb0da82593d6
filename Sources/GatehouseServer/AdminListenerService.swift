import Hummingbird
import ServiceLifecycle

/// The admin listener's application as a service of the data plane's group. Its own type so that
/// swift-service-lifecycle's debug log prints a name, not the reflected responder (which would
/// walk into the gateway's secret sources).
struct AdminListenerService: Service, CustomStringConvertible {
    let application: Application<GatewayResponder>

    var description: String { "AdminListener" }

    func run() async throws {
        try await self.application.run()
    }
}
