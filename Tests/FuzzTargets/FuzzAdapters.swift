import GatehouseCheckfront
import GatehouseCore
import GatehouseHTTP
import GatehouseK2
import GatehouseKeyfax
import GatehouseOKIT
import Logging

/// Real adapters for the fuzz targets, built from configuration text as the gateway builds them,
/// over a transport that never sends.
enum FuzzAdapters {
    /// The built-in adapter kinds (the executable's list, without its simulators).
    static let registry = AdapterRegistry([
        HTTPAdapter.kind, OKITAdapter.kind, CheckfrontAdapter.kind, KeyfaxAdapter.kind, K2Adapter.kind,
    ])

    /// Adapters log at build time; a fuzzer's output is its findings.
    static let silentLogger = Logger(label: "gatehouse-fuzz") { _ in SwiftLogNoOpLogHandler() }

    /// A transport for building adapters only.
    struct NoTransport: UpstreamTransport {
        func send(_ request: UpstreamRequest) async throws -> UpstreamResponse {
            throw TransportError(.shutdown, "fuzzing sends nothing")
        }
    }

    /// The connection `name` of configuration `yaml`, built; traps on a broken fixture.
    static func connection(_ name: String, yaml: String) -> any Adapter {
        do {
            let config = try GatewayConfiguration.load(
                text: yaml, file: "fixture.yaml", adapterKinds: Self.registry.names)
            let gateway = try Gateway(
                configuration: config,
                registry: Self.registry,
                transport: NoTransport(),
                secrets: EnvironmentSecretSource(environment: ["K2_USER": "user", "K2_PASSWORD": "password"]),
                logger: Self.silentLogger
            )
            guard let adapter = gateway.connections[name]?.adapter else {
                fatalError("fixture has no connection \(name)")
            }
            return adapter
        } catch {
            fatalError("fuzz fixture does not load: \(error)")
        }
    }
}
