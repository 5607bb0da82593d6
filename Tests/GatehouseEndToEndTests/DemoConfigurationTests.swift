import Foundation
import GatehouseCore
import GatehouseKeyfaxSimulator
import Logging
import GatehouseTestSupport
import Testing

/// `Config/gatehouse.yaml` as `make run` serves it, with the demo upstreams' ports swapped for
/// free ones and the vault prepared as scripts/run-demo.sh does: the README's calls answer what
/// the README says.
@Suite(.timeLimit(.minutes(2))) struct DemoConfigurationTests {
    @Test func theReadmesOKITCallsWork() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let demo = try String(contentsOf: root.appendingPathComponent("Config/gatehouse.yaml"), encoding: .utf8)
        let echo = try await EchoFixture.start()
        let okit = try await OKITFixture.start()
        let k2 = try await K2Fixture.start()
        let keyfaxState = KeyfaxSimulatorState(.init(hosts: ["Dev": nil]))
        var keyfaxLogger = Logger(label: "test.keyfax")
        keyfaxLogger.logLevel = .error
        let keyfax = try await SimulatorFixture.start(KeyfaxSimulator(state: keyfaxState, logger: keyfaxLogger))
        defer { keyfax.stop() }
        let keyfaxPort = keyfax.port
        let state = try TemporaryDirectory.make()
        let config = demo.replacingOccurrences(of: "http://127.0.0.1:9100", with: echo.baseURL)
            .replacingOccurrences(of: "127.0.0.1:9104", with: "127.0.0.1:\(okit.port)")
            .replacingOccurrences(of: "127.0.0.1:9101", with: "127.0.0.1:\(keyfaxPort)")
            .replacingOccurrences(of: "127.0.0.1:9102", with: "127.0.0.1:\(k2.port)")
            .replacingOccurrences(of: "path: .gatehouse/vault.db", with: "path: \(state)/vault.db")
        let configPath = state + "/gatehouse.yaml"
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        let masterKey = try await GatewayProcess.run(["vault", "generate-key"]).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
        let environment = [
            "GATEHOUSE_DEMO_UPSTREAM_TOKEN": "demo-upstream-token-e2e",
            "GATEHOUSE_MASTER_KEY": masterKey,
            "GATEHOUSE_ADMIN_TOKEN": "demo-admin-e2e",
        ]
        #expect(
            try await GatewayProcess.run(["vault", "init", "--config", configPath], environment: environment).status
                == 0)
        let put = try await GatewayProcess.run(
            ["vault", "put", "echo-demo/token", "--config", configPath], environment: environment,
            stdin: "demo-vault-token-e2e")
        #expect(put.status == 0, "\(put.stderr)")
        // The Checkfront, Keyfax and K2 demo credentials, as scripts/run-demo.sh puts them.
        for (path, value) in [
            ("checkfront-demo/api_key", "DEMO-ONLY-checkfront-api-key"),
            ("checkfront-demo/api_secret", "DEMO-ONLY-checkfront-api-secret"),
            ("checkfront-oauth-demo/client_id", "DEMO-ONLY-checkfront-consumer-key"),
            ("checkfront-oauth-demo/client_secret", "DEMO-ONLY-checkfront-consumer-secret"),
            ("keyfax-demo/hook_secret", "DEMO-ONLY-keyfax-hook-secret-0123456789"),
            ("k2-demo/username", "AN1"), ("k2-demo/password", "ANPassword"),
        ] {
            let stored = try await GatewayProcess.run(
                ["vault", "put", path, "--config", configPath], environment: environment, stdin: value)
            #expect(stored.status == 0, "\(stored.stderr)")
        }
        // As scripts/run-demo.sh does against each fresh Keyfax simulator.
        let bootstrap = try await GatewayProcess.run(
            ["keyfax", "bootstrap", "keyfax-demo", "--config", configPath], environment: environment)
        #expect(bootstrap.status == 0, "\(bootstrap.stderr)")
        let gateway = try await GatewayProcess.start(config: config, environment: environment)
        let client = TestClient()
        let demoKey = ["Authorization": "Bearer gh_DEMO-ONLY-loopback-key-never-use-in-production"]
        // The first README call: the echo upstream receives the token from the vault.
        let proxied = try await client.send(.get, gateway.baseURL + "/proxy/echo-demo/orders?limit=2", headers: demoKey)
        #expect(proxied.status == 200)
        #expect(echo.recorder.all.last?.header("Authorization") == "Bearer demo-vault-token-e2e")
        echo.recorder.reset()
        // The README's Keyfax start-up call.
        let startup = try await client.send(
            .post,
            gateway.baseURL + "/v1/keyfax-demo/startup",
            headers: demoKey.merging(["Content-Type": "application/json"]) { $1 },
            body: Array(#"{"mode":{"value":"ROL"},"company":{"value":"OL3_Dev"}}"#.utf8)
        )
        #expect(startup.status == 200, "\(startup.text)")
        #expect(startup.json["data"]?["company"] == "OL3_Dev")
        let sms = Array(#"{"to":"+4917012345678","text":"Hello"}"#.utf8)
        func send(token: String) async throws -> TestClient.Answer {
            try await client.send(
                .post,
                gateway.baseURL + "/proxy/sms-demo",
                headers: [
                    "Authorization": "Bearer \(token)", "X-Client-Prefix": "BlaBla", "Content-Type": "application/json",
                ],
                body: sms
            )
        }
        let accepted = try await send(token: "DEMO-ONLY-okit-token-BlaBla")
        #expect(accepted.status == 200)
        #expect(accepted.json == ["queued": true, "to": "+4917012345678", "characters": 5])
        let rejected = try await send(token: "DEMO-ONLY-okit-token-BlaBla-mail")
        #expect(rejected.status == 401)
        #expect(rejected.errorCode == "unauthenticated")
        #expect(echo.recorder.all.map(\.path) == ["/sms"])
        let validated = try await client.send(
            .post,
            gateway.baseURL + "/v1/okit-demo/token.validate",
            headers: [
                "Authorization": "Bearer gh_DEMO-ONLY-loopback-key-never-use-in-production",
                "Content-Type": "application/json",
            ],
            body: Array(#"{"token":"DEMO-ONLY-okit-token-BlaBla","client_prefix":"BlaBla"}"#.utf8)
        )
        #expect(validated.json["data"] == ["valid": true, "message": "Token is valid"])
        #expect(
            okit.state.requests.first?.query
                == "token=DEMO-ONLY-okit-token-BlaBla&applicaiontPrefix=SMSAPP&clientPrefix=BlaBla")
        // The README's K2 calls: a list, a get, an update with the TimeStamp read, a script run.
        func callK2(_ operation: String, _ body: String, xml: Bool = false) async throws -> TestClient.Answer {
            try await client.send(
                .post, gateway.baseURL + "/v1/k2-demo/" + operation,
                headers: [
                    "Authorization": "Bearer gh_DEMO-ONLY-loopback-key-never-use-in-production",
                    "Content-Type": xml ? "application/xml" : "application/json",
                ]
                .merging(xml ? ["Accept": "application/xml"] : [:]) { a, _ in a },
                body: Array(body.utf8))
        }
        let listed = try await callK2(
            "data.list",
            #"""
            {"class":"Part","fields":["Name","City"],"page_size":3,"filter":[{"field":"Name","op":"LIKE","value":"\#
            Shell*","wildcards":true}]}
            """#
        )
        #expect(listed.json["data"]?.arrayValue?.count == 3, "\(listed.text)")
        let got = try await callK2("data.get", #"{"class":"Part","keys":[5],"fields":["Abbr","Name","TimeStamp"]}"#)
        #expect(got.json["data"]?["fields"]?["Abbr"] == "DEMO TRADE")
        let stamp = got.json["data"]?["fields"]?["TimeStamp"]?.stringValue ?? ""
        let updated = try await callK2(
            "data.update", #"{"class":"Part","keys":[5],"fields":{"Name":"Renamed","TimeStamp":"\#(stamp)"}}"#)
        #expect(updated.json["data"]?["fields"]?["Name"] == "Renamed", "\(updated.text)")
        let ran = try await callK2(
            "formation.run",
            """
            <a><folder>Special</folder><name>ExampleWS</name><parameters><ParamText>aaa</ParamText><ParamCislo>123<\
            /ParamCislo></parameters></a>
            """,
            xml: true)
        #expect(
            ran.text.contains("<Output>Values were passed: ParamText=aaa, ParamCislo=123, Output=</Output>"),
            "\(ran.text)")
        #expect(k2.state.requests.allSatisfy { $0.verified })
        await gateway.stop()
        // Any adapter's declared admin actions run in-process (`keyfax bootstrap` above is a spelling).
        func action(_ arguments: [String], stdin: String? = nil) async throws -> (
            status: Int32, stdout: String, stderr: String
        ) {
            try await GatewayProcess.run(
                ["connections", "action"] + arguments + ["--config", configPath], environment: environment, stdin: stdin
            )
        }
        let unknown = try await action(["keyfax-demo", "keyfax/nope"])
        #expect(unknown.status == 2)
        #expect(
            unknown.stderr.contains(
                """
                connection keyfax-demo (adapter keyfax) has no admin action \"keyfax/nope\" (known: \
                keyfax/bootstrap, keyfax/rotate, keyfax/delete, keyfax/import)
                """
            ), "\(unknown.stderr)")
        let elsewhere = try await action(["echo-demo", "keyfax/bootstrap"])
        #expect(elsewhere.status == 2)
        #expect(
            elsewhere.stderr.contains(
                "connection echo-demo (adapter http) has no admin action \"keyfax/bootstrap\" (known: none)"))
        let withoutInput = try await action(["keyfax-demo", "keyfax/import"])
        #expect(withoutInput.status == 2)
        #expect(withoutInput.stderr.contains("keyfax/import reads {\"apiKey\""), "\(withoutInput.stderr)")
        #expect(withoutInput.stderr.contains("add --stdin"))
        let deleted = try await action(["keyfax-demo", "keyfax/delete"])
        #expect(deleted.status == 0, "\(deleted.stderr)")
        #expect(try JSON.parse(Array(deleted.stdout.utf8))["deleted"] == true)
        let imported = try await action(
            ["keyfax-demo", "keyfax/import", "--stdin"],
            stdin: #"{"apiKey":"emailed-api-key","signingKey":"c2lnbmluZy1rZXk="}"#)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try JSON.parse(Array(imported.stdout.utf8)) == ["imported": true, "api_key": "emailed-api-key"])
        k2.stop()
        #expect(!gateway.log.contains("ANPassword"))
        #expect(!gateway.log.contains("DEMO-ONLY-okit-token"))
        #expect(!gateway.log.contains("demo-vault-token-e2e"))
        client.shutdown()
        echo.stop()
        okit.stop()
    }
}
