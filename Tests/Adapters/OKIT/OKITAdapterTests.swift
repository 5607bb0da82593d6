import GatehouseCore
import GatehouseOKIT
import HTTPTypes
import Testing

@Suite struct OKITAdapterTests {
    static let base = "http://127.0.0.1:9104/OKIT.Operator.Api"

    func connection(options: String = "{ application_prefix: SMSAPP }", base: String = base, extra: String = "")
        -> String
    {
        "connections:\n  okit:\n    adapter: okit\n    base_url: \(base)\n    options: \(options)\n\(extra)"
    }

    func adapter(_ transport: ScriptedTransport, yaml: String? = nil, log: CapturedLog = CapturedLog()) throws
        -> OKITAdapter
    {
        let config = try GatewayConfiguration.load(
            text: yaml ?? self.connection(), file: "t.yaml", adapterKinds: ["okit"])
        let connection = try #require(config.connections.first)
        let client = UpstreamClient(
            connection: connection.name,
            baseURL: connection.baseURL,
            transport: transport,
            options: connection.transport,
            followRedirects: connection.followRedirects,
            maxResponseBytes: connection.maxResponseBytes
        )
        let setup = AdapterSetup(
            connection: connection,
            client: client,
            credentials: Credentials(
                connection: connection.name, references: [:], source: EnvironmentSecretSource(environment: [:])),
            logger: log.logger()
        )
        return try OKITAdapter(setup: setup)
    }

    func configError(_ yaml: String) -> ConfigError? {
        do {
            _ = try self.adapter(.answer(200, "{}"), yaml: yaml)
            return nil
        } catch {
            return error as? ConfigError
        }
    }

    func gatewayError(_ body: () async throws -> Void) async -> GatewayError? {
        do {
            try await body()
            return nil
        } catch {
            return error as? GatewayError
        }
    }

    // MARK: The request

    @Test func theValidatorIsAskedExactlyAsTheSeedSpellsIt() async throws {
        let transport = ScriptedTransport.answer(200, #"{"valid":true,"message":"Token is valid"}"#)
        let verdict = try await self.adapter(transport).validate(Secret("A"), clientPrefix: "C")
        #expect(verdict == TokenVerdict(isValid: true, message: "Token is valid", lifetime: .seconds(60)))
        let sent = try #require(transport.sent.withLock { $0.first })
        #expect(sent.method == .get)
        #expect(
            sent.url
                == """
                http://127.0.0.1:9104/OKIT.Operator.Api/api/tokenvalidator?token=A&applicaiontPrefix=SMSAPP&clientP\
                refix=C
                """
        )
        #expect(sent.headers[.authorization] == nil)
        #expect(sent.headers[.accept] == "application/json")
        if case .empty = sent.body {} else { Issue.record("a validation has no body") }
    }

    @Test func valuesArePercentEncodedSoTheyArriveExactly() async throws {
        let transport = ScriptedTransport.answer(200, #"{"valid":true}"#)
        let adapter = try self.adapter(transport, yaml: self.connection(options: "{ application_prefix: \"SMS&APP\" }"))
        _ = try await adapter.validate(Secret("a+b/c=d&e%f g~ü"), clientPrefix: "Bla Bla")
        #expect(
            transport.urls == [
                """
                http://127.0.0.1:9104/OKIT.Operator.Api/api/tokenvalidator?token=a%2Bb%2Fc%3Dd%26e%25f%20g~%C3%BC&a\
                pplicaiontPrefix=SMS%26APP&clientPrefix=Bla%20Bla
                """
            ]
        )
    }

    @Test func theParameterNameIsAConnectionOptionAndTheBaseQueryIsKept() async throws {
        let transport = ScriptedTransport.answer(200, #"{"valid":true}"#)
        let adapter = try self.adapter(
            transport,
            yaml: self.connection(
                options: "{ application_prefix: SMSAPP, application_prefix_parameter: applicationPrefix }",
                base: Self.base + "?tenant=7"
            )
        )
        _ = try await adapter.validate(Secret("A"), clientPrefix: "C")
        #expect(
            transport.urls == [
                Self.base + "/api/tokenvalidator?tenant=7&token=A&applicationPrefix=SMSAPP&clientPrefix=C"
            ])
    }

    // MARK: The answer

    @Test(arguments: [
        // (status, body, expected): "valid", "invalid" or "503"
        (200, #"{"valid":true,"message":"Token is valid"}"#, "valid"),
        (200, #"{"valid":false,"message":"Token is not valid"}"#, "invalid"),
        (204, #"{"valid":true}"#, "valid"),
        // a definite false decides whatever the status
        (500, #"{"valid":false,"message":"Token is not valid"}"#, "invalid"),
        (401, #"{"valid":false}"#, "invalid"),
        (500, #"{"valid":true,"message":"Token is valid"}"#, "503"),  // true needs a 2xx
        (404, #"{"valid":true}"#, "503"),
        (302, #"{"valid":true,"message":"Token is valid"}"#, "503"),  // a redirect is no answer, whatever it carries
        (301, #"{"valid":false}"#, "503"),
        (500, "<html><body>Server Error</body></html>", "503"),
        (200, "Token is valid", "503"),
        (200, "", "503"),
        (200, #"{"valid":"true","message":"Token is valid"}"#, "503"),
        (200, #"{"valid":1}"#, "503"),
        (200, #"{"Valid":true}"#, "503"),
        (200, #"[{"valid":true}]"#, "503"),
        (200, #"{"message":"Token is valid"}"#, "503"),
        (200, #"{"valid":true"#, "503"),
    ])
    func answers(status: Int, body: String, expected: String) async throws {
        let transport = ScriptedTransport.answer(
            status, body, headers: status / 100 == 3 ? [.location: "http://127.0.0.1:1/login"] : [:])
        let adapter = try self.adapter(transport)
        do {
            let verdict = try await adapter.validate(Secret("A"), clientPrefix: "C")
            #expect((verdict.isValid ? "valid" : "invalid") == expected)
            #expect(verdict.lifetime == (verdict.isValid ? .seconds(60) : .seconds(5)))
        } catch let error as GatewayError {
            #expect(expected == "503", "\(error)")
            #expect(error.code == .unavailable)
        }
        // Never a second request: redirects are not followed.
        #expect(transport.urls.count == 1)
    }

    @Test(arguments: [
        TransportError(.unreachable, "Failed to connect"), TransportError(.timeout, "Operation timed out"),
        TransportError(.failed, "connection reset"),
    ])
    func noAnswerIsUnavailable(failure: TransportError) async throws {
        let adapter = try self.adapter(ScriptedTransport(.failure(failure)))
        let error = await self.gatewayError { _ = try await adapter.validate(Secret("A"), clientPrefix: "C") }
        #expect(error?.code == .unavailable)
        #expect(error?.connection == "okit")
    }

    @Test func anOversizedAnswerIsUnavailable() async throws {
        let body = #"{"valid":true,"message":""# + String(repeating: "x", count: 70_000) + #""}"#
        let adapter = try self.adapter(.answer(200, body))
        let error = await self.gatewayError { _ = try await adapter.validate(Secret("A"), clientPrefix: "C") }
        #expect(error?.code == .unavailable)
    }

    @Test func cacheLifetimesComeFromTheOptions() async throws {
        let yaml = self.connection(
            options: "{ application_prefix: SMSAPP, cache_seconds: 2, negative_cache_seconds: 0 }")
        let valid = try await self.adapter(.answer(200, #"{"valid":true}"#), yaml: yaml).validate(
            Secret("A"), clientPrefix: "C")
        #expect(valid.lifetime == .seconds(2))
        let invalid = try await self.adapter(.answer(200, #"{"valid":false}"#), yaml: yaml).validate(
            Secret("A"), clientPrefix: "C")
        #expect(invalid.lifetime == .zero)
    }

    // MARK: Logs

    @Test func theTokenNeverReachesTheLogButTheRedactedURLDoes() async throws {
        let log = CapturedLog()
        let token = "tok-7c1e-never-in-logs"
        _ = try await self.adapter(.answer(200, #"{"valid":true}"#), log: log).validate(
            Secret(token), clientPrefix: "C")
        _ = try? await self.adapter(.answer(500, "<html>\(token)</html>"), log: log).validate(
            Secret(token), clientPrefix: "C")
        _ = try? await self.adapter(ScriptedTransport(.failure(TransportError(.timeout, "timed out"))), log: log)
            .validate(Secret(token), clientPrefix: "C")
        let text = log.text
        #expect(!text.contains(token))
        #expect(!text.contains("tok-7c1e"))
        #expect(text.contains("okit validation"))
        #expect(text.contains("okit validator gave no answer"))
        #expect(text.contains("/api/tokenvalidator?token=<redacted>&applicaiontPrefix=SMSAPP&clientPrefix=C"))
        #expect(text.contains("reason=upstream_timeout"))
    }

    // MARK: token.validate

    @Test func tokenValidateAnswersTheEnvelope() async throws {
        let transport = ScriptedTransport.answer(200, #"{"valid":false,"message":"Token is not valid"}"#)
        let envelope = try await self.adapter(transport).perform(
            OperationCall(name: "token.validate", arguments: ["token": "A", "client_prefix": "BlaBla"])
        )
        #expect(envelope.data == ["valid": false, "message": "Token is not valid"])
        #expect(envelope.upstreamStatus == 200)
        #expect(
            transport.urls == [Self.base + "/api/tokenvalidator?token=A&applicaiontPrefix=SMSAPP&clientPrefix=BlaBla"])
    }

    @Test(arguments: [
        (#"{"token": "A"}"#, "client_prefix"),
        (#"{"client_prefix": "C"}"#, "token"),
        (#"{"token": "", "client_prefix": "C"}"#, "token"),
        (#"{"token": 5, "client_prefix": "C"}"#, "token"),
        (#"{"token": "A", "client_prefix": "C", "application_prefix": "MAILAPP"}"#, "never an argument"),
        (#"{"token": "A", "client_prefix": "C", "applicaiontPrefix": "MAILAPP"}"#, "never an argument"),
        (
            #"{"token": "A", "client_prefix": "C", "colour": "red"}"#,
            "/colour: is not allowed (known: token, client_prefix)"
        ),
        (#""A""#, "(the arguments): must be an object"),
    ])
    func tokenValidateRefusesBadArguments(json: String, message: String) async throws {
        let arguments = try JSON.parse(json)
        let transport = ScriptedTransport.answer(200, #"{"valid":true}"#)
        let adapter = try self.adapter(transport)
        let error = await self.gatewayError {
            _ = try await adapter.perform(OperationCall(name: "token.validate", arguments: arguments))
        }
        #expect(error?.code == .badRequest)
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
        #expect(transport.urls.isEmpty)
    }

    @Test func otherOperationsAndTheProxyRouteAre404() async throws {
        let transport = ScriptedTransport.answer(200, #"{"valid":true}"#)
        let adapter = try self.adapter(transport)
        let unknown = await self.gatewayError {
            _ = try await adapter.perform(OperationCall(name: "token.issue", arguments: [:]))
        }
        #expect(unknown?.code == .notFound)
        let proxy = await self.gatewayError {
            _ = try await adapter.proxy(
                ProxyCall(
                    method: .get,
                    path: "/api/tokenvalidator",
                    query: "token=A&applicaiontPrefix=MAILAPP&clientPrefix=C",
                    headers: [:],
                    body: .empty
                )
            )
        }
        #expect(proxy?.code == .notFound)
        #expect(transport.urls.isEmpty)
    }

    // MARK: Options

    @Test(arguments: [
        ("{ }", "connections.okit.options.application_prefix", "missing required key"),
        ("{ application_prefix: \"SMS APP\" }", "connections.okit.options.application_prefix", "visible ASCII"),
        ("{ application_prefix: SMSAPP, cache_seconds: -1 }", "connections.okit.options.cache_seconds", "out of range"),
        (
            "{ application_prefix: SMSAPP, negative_cache_seconds: 7200 }",
            "connections.okit.options.negative_cache_seconds", "out of range"
        ),
        ("{ application_prefix: SMSAPP, max_pending: 0 }", "connections.okit.options.max_pending", "out of range"),
        (
            "{ application_prefix: SMSAPP, application_prefix_parameter: \"a&b\" }",
            "connections.okit.options.application_prefix_parameter", "query parameter name"
        ),
        (
            "{ application_prefix: SMSAPP, application_prefix_parameter: token }",
            "connections.okit.options.application_prefix_parameter",
            "other than token"
        ),
        (
            "{ application_prefix: SMSAPP, applicaiton_prefix: X }", "connections.okit.options.applicaiton_prefix",
            "unknown key"
        ),
    ])
    func badOptionsAreConfigErrors(options: String, path: String, message: String) throws {
        let error = try #require(self.configError(self.connection(options: options)))
        #expect(error.path == path, "\(error)")
        #expect(error.message.contains(message), "\(error)")
        #expect(error.line == 5)
    }

    @Test func credentialsAndFollowedRedirectsAreRefused() throws {
        let credentials = try #require(self.configError(self.connection(extra: "    credentials: { token: env:X }\n")))
        #expect(credentials.path == "connections.okit.credentials.token")
        #expect(credentials.message.contains("takes no credentials"))
        let follow = try #require(self.configError(self.connection(extra: "    follow_redirects: true\n")))
        #expect(follow.path == "connections.okit")
        #expect(follow.message.contains("follow_redirects"))
    }

    @Test func theValidationScopeIsTheApplicationPrefix() throws {
        let adapter = try self.adapter(.answer(200, "{}"))
        #expect(adapter.validationScope == "SMSAPP")
        #expect(adapter.configuration.applicationPrefixParameter == "applicaiontPrefix")
        #expect(adapter.configuration.cacheLifetime == .seconds(60))
        #expect(adapter.configuration.negativeCacheLifetime == .seconds(5))
        #expect(adapter.maximumPendingValidations == 64)
    }

    @Test func maxPendingComesFromTheOptions() throws {
        let yaml = self.connection(options: "{ application_prefix: SMSAPP, max_pending: 3 }")
        #expect(try self.adapter(.answer(200, "{}"), yaml: yaml).maximumPendingValidations == 3)
    }
}
