import ArgumentParser

/// `gatehouse keyfax ACTION CONNECTION`: the first spelling of
/// `gatehouse connections action CONNECTION keyfax/ACTION`, kept for the runbooks that use it.
/// An action that declares input (`import`) reads it on standard input.
struct KeyfaxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keyfax",
        abstract: "Same as `connections action CONNECTION keyfax/ACTION` (bootstrap, rotate, delete, import).",
        subcommands: [Action.self],
        defaultSubcommand: Action.self
    )

    struct Action: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "run", shouldDisplay: false)

        @Argument(help: "bootstrap | rotate | delete | import") var action: String
        @Argument(help: "The keyfax connection.") var connection: String
        @OptionGroup var options: ConfigOption

        func run() async throws {
            try await ExitMessage.reporting {
                try await ConnectionActionRunner.run(
                    configPath: self.options.config, connection: self.connection, action: "keyfax/\(self.action)",
                    input: .asDeclared)
            }
        }
    }
}
