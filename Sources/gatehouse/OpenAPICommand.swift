import ArgumentParser
import GatehouseCore
import GatehouseServer

/// `gatehouse openapi`: prints the data plane's OpenAPI 3.1 document for a configuration.
struct OpenAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openapi",
        abstract: "Print the data plane's OpenAPI 3.1 document (every configured connection's operations) as JSON."
    )

    @OptionGroup var options: ConfigOption

    @Flag(name: .long, help: "Print the admin API's document instead.")
    var admin = false

    func run() async throws {
        do {
            let config = try ConfigLoading.load(self.options.config)
            // As check-config: the adapters are built (their options checked), nothing is sent.
            let gateway = try GatewayAssembly.gateway(
                config: config, transport: NoTransport(), secrets: EnvironmentSecretSource(environment: [:]))
            let document =
                self.admin
                ? OpenAPIDocuments.admin(gateway, vault: config.vault.configured) : OpenAPIDocuments.dataPlane(gateway)
            print(JSON.serialize(document))
        } catch let error as ExitMessage {
            error.exit()
        }
    }
}
