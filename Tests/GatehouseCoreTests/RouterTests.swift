import GatehouseCore
import Testing

@Suite struct RouterTests {
    @Test func proxyRouteKeepsTheRawRest() {
        #expect(GatewayRoute.match(path: "/proxy/crm/a/b%2Fc") == .proxy(connection: "crm", path: "/a/b%2Fc"))
        #expect(GatewayRoute.match(path: "/proxy/crm") == .proxy(connection: "crm", path: ""))
        #expect(GatewayRoute.match(path: "/proxy/crm/") == .proxy(connection: "crm", path: "/"))
        #expect(GatewayRoute.match(path: "/proxy//x") == .notFound)
        #expect(GatewayRoute.match(path: "/proxy/") == .notFound)
    }

    @Test func operationRoute() {
        #expect(
            GatewayRoute.match(path: "/v1/k2-demo/data.list")
                == .operation(connection: "k2-demo", operation: "data.list"))
        #expect(GatewayRoute.match(path: "/v1/k2-demo") == .notFound)
        #expect(GatewayRoute.match(path: "/v1/k2-demo/a/b") == .notFound)
        #expect(GatewayRoute.match(path: "/v1//op") == .notFound)
    }

    @Test func fixedRoutes() {
        #expect(GatewayRoute.match(path: "/healthz") == .health)
        #expect(GatewayRoute.match(path: "/readyz") == .ready)
        #expect(GatewayRoute.match(path: "/metrics") == .metrics)
        #expect(GatewayRoute.match(path: "/admin/v1/secrets") == .admin(["secrets"]))
        #expect(GatewayRoute.match(path: "/") == .notFound)
        #expect(GatewayRoute.match(path: "/healthz/x") == .notFound)
    }

    @Test func adapterEndpointRoute() {
        #expect(GatewayRoute.match(path: "/oauth/cf/start") == .endpoint(connection: "cf", name: "start"))
        #expect(GatewayRoute.match(path: "/oauth/cf/a/b") == .endpoint(connection: "cf", name: "a/b"))
        #expect(GatewayRoute.match(path: "/oauth/cf") == .notFound)
        #expect(GatewayRoute.match(path: "/oauth//start") == .notFound)
        #expect(GatewayRoute.match(path: "/oauth/cf/") == .notFound)
    }

    @Test func dotSegmentsAreDetected() {
        #expect(GatewayRoute.hasDotSegments("/a/../b"))
        #expect(GatewayRoute.hasDotSegments("/a/%2E%2e/b"))
        #expect(GatewayRoute.hasDotSegments("/./b"))
        #expect(GatewayRoute.hasDotSegments(".."))
        #expect(!GatewayRoute.hasDotSegments("/a/..b/c.d"))
        #expect(!GatewayRoute.hasDotSegments(""))
    }
}
