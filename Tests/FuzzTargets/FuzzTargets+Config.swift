import GatehouseCore
import Logging

extension FuzzTargets {
    /// Configuration text as `gatehouse check-config` reads it: YAML (Yams), the gateway's own
    /// checks, then every adapter's options, credentials and clients, without serving.
    static let config = FuzzTarget("config", input: "a gatehouse.yaml configuration") { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        let registry = FuzzAdapters.registry
        do {
            let config = try GatewayConfiguration.load(text: text, file: "fuzz.yaml", adapterKinds: registry.names)
            let gateway = try Gateway(
                configuration: config,
                registry: registry,
                transport: FuzzAdapters.NoTransport(),
                secrets: EnvironmentSecretSource(environment: [:]),
                logger: FuzzAdapters.silentLogger
            )
            return "ok \(gateway.connections.count) connections, \(config.clients.count) clients"
        } catch let error as ConfigError {
            return "refused: \(error.message)"
        } catch {
            return "refused: \(error)"
        }
    }
}
