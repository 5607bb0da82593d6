import GatehouseCore
import Testing

@testable import GatehouseOKIT

/// OKIT's integer options refuse hostile numbers with `file:line: key: message`.
@Suite struct OKITConfigNumberTests {
    @Test(arguments: ["cache_seconds", "negative_cache_seconds"])
    func everyIntegerOptionRefusesHostileNumbersWithFileAndLine(key: String) throws {
        for value in ["9223372036854775807", "9223372036854775808", "-1", "-9223372036854775808", "1.5", "1e9", "abc"] {
            let yaml =
                """
                connections:\n  c:\n    adapter: okit\n    base_url: http://127.0.0.1:9\n    options:\n      \
                application_prefix: BlaBla\n      \(key): \(value)\n
                """
            let connection = try GatewayConfiguration.load(text: yaml, file: "gatehouse.yaml", adapterKinds: ["okit"])
                .connections[0]
            var options = try #require(connection.options).map()
            do {
                _ = try OKITAdapter.Configuration(options: &options)
                Issue.record("\(key): \(value) was accepted")
            } catch {
                #expect(
                    error.description.hasPrefix("gatehouse.yaml:7: connections.c.options.\(key): "),
                    "\(key) = \(value): \(error)")
            }
        }
    }
}
