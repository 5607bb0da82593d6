import GatehouseCore
@testable import GatehouseCheckfront
import Testing

@Suite struct CheckfrontTranslationTests {
    @Test func jsonBodiesBecomeCheckfrontForms() {
        let body: Value = [
            "status_id": "PAID", "param": ["adults": 2, "children": 0], "notify": true, "note": "a b&c",
        ]
        #expect(
            CheckfrontForm.encode(body)
                == "status_id=PAID&param%5Badults%5D=2&param%5Bchildren%5D=0&notify=1&note=a+b%26c")
        #expect(CheckfrontForm.encode(["ids": [4, 5]]) == "ids%5B0%5D=4&ids%5B1%5D=5")
        #expect(CheckfrontForm.query(["limit": 2, "page": 3]) == "limit=2&page=3")
        #expect(CheckfrontForm.query(["": .null]) == "=")
        #expect(CheckfrontForm.query(nil) == nil)
    }

    @Test func theEnvelopeBecomesTheUniformOne() throws {
        let answer =
            #"""
            {"version":"3.0","account_id":1,"host_id":"x","name":"Demo","locale":{"id":"en_US"},"request":{"status\#
            ":"OK","resource":"booking","records":5,"limit":2,"page":1,"pages":3},"booking/index":{"1":{"booking_i\#
            d":1},"2":{"booking_id":2}}}
            """#
        let envelope = try CheckfrontEnvelope.translate(
            status: 200, body: Array(answer.utf8), resource: "booking/index", list: true, connection: "cf")
        #expect(envelope.data == [["booking_id": 1], ["booking_id": 2]])
        #expect(envelope.nextCursor == "2")
        #expect(envelope.total == 5)
        #expect(envelope.meta["request"]?["status"] == "OK")
        let body = envelope.body(connection: "cf", adapter: "checkfront")
        #expect(body["page"] == ["next": "2", "total": 5])
        #expect(body["version"] == nil)
    }

    @Test func anEmptyArrayIsAcceptedWhereAMapIsExpected() throws {
        let answer = #"{"version":"3.0","request":{"status":"OK","records":0},"items":[]}"#
        let envelope = try CheckfrontEnvelope.translate(
            status: 200, body: Array(answer.utf8), resource: "items", list: true, connection: "cf")
        #expect(envelope.data == [])
        #expect(envelope.nextCursor == nil)
    }

    @Test func errorsKeepTheUpstreamStatusAndTitle() {
        let answer = #"{"version":"3.0","request":{"status":"ERROR","error":{"title":"Item not found"}}}"#
        #expect(throws: GatewayError.self) {
            try CheckfrontEnvelope.translate(
                status: 404, body: Array(answer.utf8), resource: "item", list: false, connection: "cf")
        }
        do {
            _ = try CheckfrontEnvelope.translate(
                status: 404, body: Array(answer.utf8), resource: "item", list: false, connection: "cf")
        } catch let error as GatewayError {
            #expect(error.code == .notFound)
            #expect(error.upstreamStatus == 404)
            #expect(error.message.contains("Item not found"))
        } catch {}
    }

    @Test func operationsMapOntoAPIPaths() throws {
        let update = try CheckfrontOperation.bookingUpdate(
            ["id": 3, "status_id": "PAID", "param": ["adults": 2]], connection: "cf")
        #expect(update.method == .post)
        #expect(update.path == "booking/3/update")
        #expect(update.form == "status_id=PAID&param%5Badults%5D=2")
        let list = try CheckfrontOperation.bookingList(["limit": 2, "cursor": "2"], connection: "cf")
        #expect(list.path == "booking/index")
        #expect(list.query == "limit=2&page=2")
        let request = try CheckfrontOperation.request(
            ["path": "/api/3.0/item/1", "query": ["a": "b"]], connection: "cf")
        #expect(request.path == "item/1")
        #expect(request.query == "a=b")
        #expect(throws: GatewayError.self) {
            try CheckfrontOperation.request(["path": "../oauth/token/"], connection: "cf")
        }
        #expect(throws: GatewayError.self) { try CheckfrontOperation.itemGet(["id": "1/../x"], connection: "cf") }
    }

    @Test func configurationMistakesNameTheLine() throws {
        func error(_ yaml: String) -> String? {
            do {
                let config = try GatewayConfiguration.load(text: yaml, file: "t.yaml", adapterKinds: ["checkfront"])
                _ = try Gateway(
                    configuration: config, registry: AdapterRegistry([CheckfrontAdapter.kind]),
                    transport: NeverTransport(), secrets: EnvironmentSecretSource(environment: [:]))
                return nil
            } catch {
                return "\(error)"
            }
        }
        let oauth = """
            connections:
              cf:
                adapter: checkfront
                base_url: http://127.0.0.1:9103
                credentials: { client_id: env:A, client_secret: env:B }
                options: { auth: oauth2, redirect_uri: "http://127.0.0.1:8080/oauth/cf/callback" }
            """
        #expect(error(oauth)?.hasPrefix("t.yaml:") == true)
        #expect(error(oauth)?.contains("vault") == true)
        let pair =
            """
            connections:\n  cf:\n    adapter: checkfront\n    base_url: http://127.0.0.1:9103\n    credentials: { \
            api_key: env:A }\n
            """
        #expect(error(pair)?.contains("api_secret") == true)
        let knob =
            """
            connections:\n  cf:\n    adapter: checkfront\n    base_url: http://h\n    credentials: { api_key: \
            env:A, api_secret: env:B }\n    options: { client_auth: digest }\n
            """
        #expect(error(knob)?.contains("t.yaml:6") == true)
        let ok =
            """
            connections:\n  cf:\n    adapter: checkfront\n    base_url: http://h\n    credentials: { api_key: \
            env:A, api_secret: env:B }\n
            """
        #expect(error(ok) == nil)
    }
}

/// A transport for configuration checks: never sends.
struct NeverTransport: UpstreamTransport {
    func send(_ request: UpstreamRequest) async throws -> UpstreamResponse {
        throw TransportError(.shutdown, "not in this test")
    }
}
