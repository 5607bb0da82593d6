import GatehouseCore
import GatehouseOKITSimulator
import GatehouseTestSupport
import Testing

/// The simulator over real HTTP: the validator as the seed documents it, and the control routes
/// the end-to-end tests rely on.
@Suite(.timeLimit(.minutes(1))) struct OKITSimulatorTests {
    static let demoToken = "DEMO-ONLY-okit-token-BlaBla"

    func validatorURL(
        _ okit: OKITFixture,
        token: String,
        application: String = "SMSAPP",
        client: String = "BlaBla",
        parameter: String = "applicaiontPrefix"
    ) -> String {
        "\(okit.baseURL)/api/tokenvalidator?token=\(token)&\(parameter)=\(application)&clientPrefix=\(client)"
    }

    @Test func theDemoTokenIsValidForItsApplicationAndClientOnly() async throws {
        let okit = try await OKITFixture.start()
        let client = TestClient()
        defer {
            okit.stop()
            client.shutdown()
        }
        let valid = try await client.send(.get, self.validatorURL(okit, token: Self.demoToken))
        #expect(valid.status == 200)
        #expect(valid.json == ["valid": true, "message": "Token is valid"])
        for url in [
            self.validatorURL(okit, token: "nope"),
            self.validatorURL(okit, token: Self.demoToken, application: "MAILAPP"),
            self.validatorURL(okit, token: Self.demoToken, client: "Other"),
            // Spelt correctly, the parameter is not the one OKIT reads.
            self.validatorURL(okit, token: Self.demoToken, parameter: "applicationPrefix"),
            "\(okit.baseURL)/api/tokenvalidator",
        ] {
            let answer = try await client.send(.get, url)
            #expect(answer.status == 200)
            #expect(answer.json == ["valid": false, "message": "Token is not valid"], "\(url)")
        }
        // The path is case-insensitive, as IIS is.
        let lower = try await client.send(
            .get,
            """
            http://127.0.0.1:\(okit.port)/okit.operator.api/api/TokenValidator?token=\(Self.demoToken)&applicaiontP\
            refix=SMSAPP&clientPrefix=BlaBla
            """
        )
        #expect(lower.json["valid"] == true)
        #expect(okit.state.validationCount == 7)
    }

    @Test func percentEncodedValuesAreDecodedAsASPNETDoes() async throws {
        let okit = try await OKITFixture.start()
        let client = TestClient()
        defer {
            okit.stop()
            client.shutdown()
        }
        okit.state.issue(token: "a+b/c=d&e f", application: "SMSAPP", client: "Bla Bla")
        let answer = try await client.send(
            .get, self.validatorURL(okit, token: "a%2Bb%2Fc%3Dd%26e%20f", client: "Bla+Bla"))
        #expect(answer.json["valid"] == true)
        let seen = try #require(okit.state.requests.last)
        #expect(seen.parameter("token") == "a+b/c=d&e f")
        #expect(seen.query == "token=a%2Bb%2Fc%3Dd%26e%20f&applicaiontPrefix=SMSAPP&clientPrefix=Bla+Bla")
    }

    @Test func controlRoutesIssueRevokeAndCount() async throws {
        let okit = try await OKITFixture.start()
        let client = TestClient()
        defer {
            okit.stop()
            client.shutdown()
        }
        let root = "http://127.0.0.1:\(okit.port)/_sim"
        let issued = try await client.send(
            .post, root + "/tokens", body: Array(#"{"application":"SMSAPP","client":"BlaBla"}"#.utf8))
        #expect(issued.status == 201)
        let token = try #require(issued.json["token"]?.stringValue)
        #expect(try await client.send(.get, self.validatorURL(okit, token: token)).json["valid"] == true)
        let revoked = try await client.send(.post, root + "/revoke", body: Array(#"{"token":"\#(token)"}"#.utf8))
        #expect(revoked.json == ["revoked": true])
        #expect(try await client.send(.get, self.validatorURL(okit, token: token)).json["valid"] == false)
        #expect(
            try await client.send(.post, root + "/revoke", body: Array(#"{"token":"never-issued"}"#.utf8)).json == [
                "revoked": false
            ])
        let stats = try await client.send(.get, root + "/stats")
        #expect(stats.json["validations"] == 2)
        #expect(stats.json["requests"]?.arrayValue?.first?["parameters"]?["applicaiontPrefix"] == "SMSAPP")
        #expect(try await client.send(.post, root + "/reset").status == 200)
        #expect(try await client.send(.get, root + "/stats").json["validations"] == 0)
    }

    @Test func failureModes() async throws {
        let okit = try await OKITFixture.start()
        let client = TestClient()
        defer {
            okit.stop()
            client.shutdown()
        }
        let url = self.validatorURL(okit, token: Self.demoToken)
        func mode(_ json: String) async throws -> TestClient.Answer {
            try await client.send(.post, "http://127.0.0.1:\(okit.port)/_sim/mode", body: Array(json.utf8))
        }
        #expect(try await mode(#"{"failure":"server_error"}"#).json["failure"] == "server_error")
        let error = try await client.send(.get, url)
        #expect(error.status == 500)
        #expect(error.text.contains("<html>"))
        _ = try await mode(#"{"failure":"garbage"}"#)
        let garbage = try await client.send(.get, url)
        #expect(garbage.status == 200)
        #expect(garbage.text == "Token is valid")
        _ = try await mode(#"{"failure":"redirect","redirect_to":"http://127.0.0.1:1/login"}"#)
        let redirect = try await client.send(.get, url)
        #expect(redirect.status == 302)
        #expect(redirect.headers[.location] == "http://127.0.0.1:1/login")
        _ = try await mode(#"{"failure":"wrong_shape"}"#)
        #expect(try await client.send(.get, url).json["valid"] == "true")
        _ = try await mode(#"{"status":500}"#)
        let status = try await client.send(.get, url)
        #expect(status.status == 500)
        #expect(status.json["valid"] == true)
        _ = try await mode(#"{"latency_ms":300}"#)
        let started = ContinuousClock.now
        #expect(try await client.send(.get, url).json["valid"] == true)
        #expect(ContinuousClock.now - started >= .milliseconds(300))
        let bad = try await mode(#"{"failure":"explode"}"#)
        #expect(bad.status == 400)
        #expect(okit.state.mode == OKITSimulator.Mode(latencyMilliseconds: 300))
        #expect(try await client.send(.post, url).status == 405)
    }

    @Test func configurationFiles() throws {
        let configuration = try OKITSimulator.Configuration(
            text: """
                applications:
                  SMSAPP:
                    name: SMS API APP
                    clients:
                      BlaBla: { tokens: [t1, t2] }
                      Acme: { tokens: [t3] }
                latency_ms: 250
                failure: garbage
                """,
            file: "okit.yaml"
        )
        #expect(configuration.applications == ["SMSAPP": ["BlaBla": ["t1", "t2"], "Acme": ["t3"]]])
        #expect(configuration.mode == OKITSimulator.Mode(latencyMilliseconds: 250, failure: .garbage))
        let state = OKITSimulatorState(configuration)
        #expect(state.isValid(token: "t3", application: "SMSAPP", client: "Acme"))
        #expect(!state.isValid(token: "t3", application: "SMSAPP", client: "BlaBla"))
        #expect(OKITSimulator.Configuration.demo.applications["SMSAPP"]?["BlaBla"] == [Self.demoToken])

        do {
            _ = try OKITSimulator.Configuration(
                text: "applications:\n  SMSAPP:\n    clients:\n      BlaBla: { token: [t1] }\n",
                file: "okit.yaml"
            )
            Issue.record("a misspelt key must be refused")
        } catch {
            #expect(
                error.description.hasPrefix("okit.yaml:4: applications.SMSAPP.clients.BlaBla.token: unknown key"),
                "\(error)")
        }
        #expect(throws: ConfigError.self) { try OKITSimulator.Configuration(text: "apps: {}\n", file: "okit.yaml") }
        #expect(throws: ConfigError.self) {
            try OKITSimulator.Configuration(text: "applications: {}\nfailure: sometimes\n", file: "okit.yaml")
        }
    }
}
