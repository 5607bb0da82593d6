import ArgumentParser

/// The `gatehouse` command.
@main
struct Gatehouse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatehouse",
        abstract:
            """
            A multi-protocol integration gateway: one simple model for callers, every upstream credential in one \
            place.
            """,
        version: BuildVersion.description,
        subcommands: [
            Serve.self, CheckConfig.self, OpenAPICommand.self, VaultCommand.self, ConnectionsCommand.self,
            KeyfaxCommand.self, Clients.self,
            Simulate.self,
        ]
    )
}

/// Options shared by commands that read the configuration.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "Configuration file.")
    var config: String = "Config/gatehouse.yaml"
}
