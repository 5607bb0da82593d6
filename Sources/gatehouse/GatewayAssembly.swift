import Foundation
import GatehouseAdapters
import GatehouseCore
import GatehouseCrypto

/// Builds the core gateway from validated configuration.
enum GatewayAssembly {
    static func gateway(
        config: GatewayConfiguration,
        transport: any UpstreamTransport,
        secrets: any SecretSource,
        vault: Vault? = nil,
        pemFiles: [String: Secret] = [:],
        previous: Gateway? = nil
    ) throws -> Gateway {
        var hashes: [String: String] = [:]
        for client in config.clients {
            if case .apiKey(let hash) = client.authenticator {
                let key = Hex.encode(hash)
                if let other = hashes[key] {
                    throw ExitMessage(
                        """
                        \(config.file):\(client.line ?? 0): clients.\(client.name).key_sha256: same key as client \
                        \(other)
                        """
                    )
                }
                hashes[key] = client.name
            }
        }
        do {
            return try Gateway(
                configuration: config, registry: BuiltIns.adapters, transport: transport, secrets: secrets,
                vault: vault, pemFiles: pemFiles,
                previous: previous)
        } catch let error as ConfigError {
            throw ExitMessage(error.description)
        }
    }
}
