import GatehouseCore
import Testing

/// The overload keys: `server.max_connections` & co., `rate_limit` on clients and connections,
/// the bulkhead keys and `circuit_breaker`; bad values stop start-up with `file:line`.
@Suite struct OverloadConfigTests {
    func load(server: String = "", connection: String = "", client: String = "") throws -> GatewayConfiguration {
        try GatewayConfiguration.load(
            text: """
                server:
                  port: 0
                \(server)
                connections:
                  crm:
                    adapter: http
                    base_url: http://127.0.0.1:9/api
                \(connection)
                clients:
                  app:
                    key_sha256: "\(String(repeating: "ab", count: 32))"
                    connections: [crm]
                \(client)
                """,
            file: "test.yaml",
            adapterKinds: ["http"]
        )
    }

    @Test func defaultsAreTheDocumentedOnes() throws {
        let config = try self.load()
        #expect(config.server.maxConnections == 4096)
        #expect(config.server.listenBacklog == 1024)
        #expect(config.server.idleTimeoutSeconds == 60)
        #expect(config.server.requestHeadTimeoutSeconds == 10)
        #expect(config.server.maxRequestHeadBytes == 32 * 1024)
        let limits = try #require(config.connection(named: "crm")).limits
        #expect(limits == ConnectionLimits())
        #expect(
            limits.bulkhead(over: BulkheadPolicy())
                == BulkheadPolicy(maxInFlight: nil, maxQueue: 100, queueTimeoutMilliseconds: 10_000))
        #expect(config.clients.first?.rateLimit == nil)
    }

    @Test func everyKeyIsRead() throws {
        let config = try self.load(
            server:
                """
                  max_connections: 10\n  idle_timeout_seconds: 5\n  request_head_timeout_seconds: 2\n  \
                max_request_head_bytes: 4096\n  listen_backlog: 64
                """,
            connection: """
                    rate_limit: { requests_per_second: 2.5, burst: 7 }
                    max_in_flight: 3
                    max_queue: 4
                    queue_timeout_ms: 500
                    circuit_breaker: { failures: 2, open_seconds: 9 }
                """,
            client: "    rate_limit: { requests_per_second: 0.5 }"
        )
        #expect(config.server.maxConnections == 10)
        #expect(config.server.idleTimeoutSeconds == 5)
        #expect(config.server.requestHeadTimeoutSeconds == 2)
        #expect(config.server.maxRequestHeadBytes == 4096)
        #expect(config.server.listenBacklog == 64)
        let limits = try #require(config.connection(named: "crm")).limits
        #expect(limits.rateLimit == RateLimitPolicy(requestsPerSecond: 2.5, burst: 7))
        #expect(
            limits.bulkhead(over: BulkheadPolicy(maxInFlight: 5))
                == BulkheadPolicy(maxInFlight: 3, maxQueue: 4, queueTimeoutMilliseconds: 500))
        #expect(limits.circuitBreaker == CircuitBreakerPolicy(failures: 2, windowSeconds: 10, openSeconds: 9))
        // The burst defaults to the rate rounded up, at least one.
        #expect(config.clients.first?.rateLimit == RateLimitPolicy(requestsPerSecond: 0.5, burst: 1))
    }

    @Test(arguments: [
        ("server", "  max_connections: 0"), ("server", "  idle_timeout_seconds: 0"),
        ("server", "  request_head_timeout_seconds: 99999"),
        ("server", "  max_request_head_bytes: 10"), ("server", "  listen_backlog: 0"),
        ("server", "  listen_backlog: 70000"), ("server", "  max_connections: 99999999999999999999"),
        ("connection", "    rate_limit: { burst: 3 }"), ("connection", "    rate_limit: { requests_per_second: 0 }"),
        ("connection", "    rate_limit: { requests_per_second: -1 }"),
        ("connection", "    rate_limit: { requests_per_second: 1e9 }"),
        ("connection", "    rate_limit: { requests_per_second: nan }"),
        ("connection", "    rate_limit: { requests_per_second: 1, burst: 0 }"),
        ("connection", "    rate_limit: { requests_per_second: 1, colour: red }"), ("connection", "    rate_limit: 5"),
        ("connection", "    max_in_flight: 0"), ("connection", "    max_queue: -1"),
        ("connection", "    queue_timeout_ms: 0"),
        ("connection", "    circuit_breaker: { failures: 0 }"),
        ("connection", "    circuit_breaker: { window_seconds: 100000 }"),
        ("connection", "    circuit_breaker: { open_seconds: soon }"),
        ("connection", "    circuit_breaker: { fails: 3 }"),
        ("client", "    rate_limit: { requests_per_second: 2000000 }"),
    ])
    func badValuesNameTheirLine(_ place: String, _ yaml: String) {
        let error = #expect(throws: ConfigError.self) {
            _ = try self.load(
                server: place == "server" ? yaml : "", connection: place == "connection" ? yaml : "",
                client: place == "client" ? yaml : "")
        }
        #expect(error?.file == "test.yaml")
        #expect(error?.line != nil, "\(yaml): \(String(describing: error))")
    }
}
