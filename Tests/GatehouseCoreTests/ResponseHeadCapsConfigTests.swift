import GatehouseCore
import Testing

/// `max_response_headers` and `max_response_header_bytes` are connection-level keys.
@Suite struct ResponseHeadCapsConfigTests {
    func load(_ keys: String) throws -> GatewayConfiguration {
        try GatewayConfiguration.load(
            text: "connections:\n  crm:\n    adapter: http\n    base_url: http://127.0.0.1:9/api\n\(keys)",
            file: "test.yaml",
            adapterKinds: ["http"]
        )
    }

    @Test func defaultsAndOverrides() throws {
        let defaults = try #require(try self.load("").connection(named: "crm"))
        #expect(defaults.transport.maxResponseHeaders == 100)
        #expect(defaults.transport.maxResponseHeaderBytes == 64 * 1024)
        let set = try #require(
            try self.load("    max_response_headers: 20\n    max_response_header_bytes: 8192\n").connection(
                named: "crm"))
        #expect(set.transport.maxResponseHeaders == 20)
        #expect(set.transport.maxResponseHeaderBytes == 8192)
    }

    @Test(arguments: [
        "    max_response_headers: 0\n", "    max_response_headers: 10001\n", "    max_response_headers: -1\n",
        "    max_response_headers: 1.5\n", "    max_response_headers: 9223372036854775808\n",
        "    max_response_header_bytes: 1023\n", "    max_response_header_bytes: 16777217\n",
        "    max_response_header_bytes: lots\n",
    ])
    func outOfRangeValuesStopStartup(_ keys: String) {
        #expect(throws: ConfigError.self) { _ = try self.load(keys) }
    }
}
