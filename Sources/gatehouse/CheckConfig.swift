import ArgumentParser
import GatehouseCore
import GatehouseCurl
import Logging

/// `gatehouse check-config`: validates the file and every adapter's options without serving.
struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file and report problems as file:line: message."
    )

    @OptionGroup var options: ConfigOption

    func run() async throws {
        try await ExitMessage.reporting {
            let config = try ConfigLoading.load(self.options.config)
            // Certificates and keys in files are read and checked (a vault key only at serve).
            let pemFiles = try TLSFiles.read(config)
            try TLSFiles.checkConnections(config, pemFiles: pemFiles, secrets: nil, trust: .libcurlDefaults)
            for tls in [config.server.tls, config.admin?.tls].compactMap({ $0 }) {
                _ = try TLSFiles.listenerCertificate(tls, secrets: nil)
            }
            // Building the gateway runs every adapter's option checks; no call is made.
            _ = try GatewayAssembly.gateway(
                config: config, transport: NoTransport(), secrets: EnvironmentSecretSource(environment: [:]))
            print(
                "\(self.options.config): ok (\(config.connections.count) connections, \(config.clients.count) clients)")
        }
    }
}

/// A transport for validating configuration: never used to send.
struct NoTransport: UpstreamTransport {
    func send(_ request: UpstreamRequest) async throws -> UpstreamResponse {
        throw TransportError(.shutdown, "configuration check only")
    }
}
