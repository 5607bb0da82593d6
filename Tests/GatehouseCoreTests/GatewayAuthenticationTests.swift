import GatehouseCore
import HTTPTypes
import Testing

/// Which authenticator a request reaches (docs/architecture.md, "The flow of one proxy request", step 3), with a
/// stand-in okit adapter so that no network is involved.
@Suite struct GatewayAuthenticationTests {
    /// The Bearer scheme is case-insensitive (RFC 9110); the token is the rest, verbatim.
    @Test func theBearerSchemeIsMatchedWithoutRegardToCase() {
        let cases: [(String?, String?)] = [
            ("Bearer gh_abc", "gh_abc"), ("bearer gh_abc", "gh_abc"), ("BEARER gh_abc", "gh_abc"),
            ("bEaReR x", "x"), ("Bearer  x", " x"), ("Bearer ", nil), ("Bearer", nil), ("Bearerx y", nil),
            ("Basic abc", nil), ("Bearer\tx", nil), ("Bearer\u{0}x", nil), ("Béarer x", nil), (nil, nil),
            ("Bearer ключ", "ключ"),
        ]
        for (authorization, token) in cases {
            #expect(
                InboundCredentials(authorization: authorization).bearerToken == token,
                "\(String(describing: authorization))")
        }
    }

    /// An `okit` adapter stand-in: validates through a ``ListValidator``.
    struct StandInOKIT: Adapter, TokenValidator {
        let validator: ListValidator
        var validationScope: String { self.validator.validationScope }
        func proxy(_ call: ProxyCall) async throws -> UpstreamResponse { throw GatewayError(.notFound, "no proxy") }
        func validate(_ token: Secret, clientPrefix: String) async throws -> TokenVerdict {
            try await self.validator.validate(token, clientPrefix: clientPrefix)
        }
    }

    /// An adapter that cannot validate tokens.
    struct Plain: Adapter {
        func proxy(_ call: ProxyCall) async throws -> UpstreamResponse { throw GatewayError(.notFound, "no proxy") }
    }

    /// The demo key, whose SHA-256 is in Config/gatehouse.yaml.
    static let key = "gh_DEMO-ONLY-loopback-key-never-use-in-production"

    static func config() -> String {
        """
        clients:
          erp:
            key_sha256: "b844ab47c5fff8798b8f9062c80a41b7141c9561b0e3ea3bfdf1656eccffc788"
            connections: [okit]
          sms-callers:
            authenticator: okit
            okit_connection: okit
            client_prefixes: [BlaBla, Acme]
            connections: [sms]
        connections:
          okit:
            adapter: okit
            base_url: http://127.0.0.1:9/OKIT.Operator.Api
          sms:
            adapter: http
            base_url: http://127.0.0.1:9/sms
        """
    }

    func gateway(_ validator: ListValidator, okit: AdapterKind? = nil) throws -> Gateway {
        let config = try GatewayConfiguration.load(text: Self.config(), file: "t.yaml", adapterKinds: ["http", "okit"])
        let registry = AdapterRegistry([
            AdapterKind(name: "http") { _ in Plain() },
            okit
                ?? AdapterKind(name: "okit", clientPrefixHeader: InboundCredentials.clientPrefixHeader) { _ in
                    StandInOKIT(validator: validator)
                },
        ])
        return try Gateway(
            configuration: config,
            registry: registry,
            transport: NoTransport(),
            secrets: EnvironmentSecretSource(environment: [:])
        )
    }

    func refusal(_ gateway: Gateway, _ credentials: InboundCredentials) async -> GatewayError? {
        do {
            _ = try await gateway.authenticate(credentials)
            return nil
        } catch {
            return error as? GatewayError
        }
    }

    @Test func aClientPrefixWithAValidTokenIsThatPrefix() async throws {
        let validator = ListValidator(valid: ["t1@BlaBla"])
        let gateway = try self.gateway(validator)
        let principal = try await gateway.authenticate(
            InboundCredentials(authorization: "Bearer t1", clientPrefix: "BlaBla"))
        #expect(principal.name == "BlaBla")
        #expect(principal.connections == ["sms"])
        #expect(try gateway.connection("sms", for: principal).name == "sms")
        #expect(throws: GatewayError.self) { try gateway.connection("okit", for: principal) }
    }

    @Test func aGatewayKeyGoesToTheAPIKeyClientsEvenWithAPrefix() async throws {
        let validator = ListValidator(valid: [])
        let gateway = try self.gateway(validator)
        let principal = try await gateway.authenticate(
            InboundCredentials(authorization: "Bearer \(Self.key)", clientPrefix: "BlaBla"))
        #expect(principal.name == "erp")
        #expect(validator.callCount == 0)
    }

    @Test func everythingElseIs401() async throws {
        let validator = ListValidator(valid: ["t1@BlaBla"])
        let gateway = try self.gateway(validator)
        let unknownPrefix = await self.refusal(
            gateway, InboundCredentials(authorization: "Bearer t1", clientPrefix: "Stranger"))
        #expect(unknownPrefix?.code == .unauthenticated)
        #expect(
            await self.refusal(gateway, InboundCredentials(authorization: "Bearer t1", clientPrefix: nil))?.code
                == .unauthenticated)
        #expect(
            await self.refusal(gateway, InboundCredentials(authorization: nil, clientPrefix: nil))?.code
                == .unauthenticated)
        #expect(
            await self.refusal(gateway, InboundCredentials(authorization: nil, clientPrefix: "BlaBla"))?.code
                == .unauthenticated)
        #expect(
            await self.refusal(gateway, InboundCredentials(authorization: "Bearer t2", clientPrefix: "BlaBla"))?.code
                == .unauthenticated
        )
        #expect(
            await self.refusal(gateway, InboundCredentials(authorization: "Bearer t1", clientPrefix: "blabla"))?.code
                == .unauthenticated
        )
        // Only the last two reached the validator; unknown prefixes and missing tokens never do.
        #expect(validator.callCount == 1)
    }

    @Test func anUnavailableValidatorIs503WithoutNamingItsConnection() async throws {
        let gateway = try self.gateway(ListValidator(valid: ["t1@BlaBla"], failing: true))
        let error = await self.refusal(gateway, InboundCredentials(authorization: "Bearer t1", clientPrefix: "BlaBla"))
        #expect(error?.code == .unavailable)
        #expect(error?.connection == nil)
    }

    @Test func aValidatorWhoseAdapterCannotValidateIsAConfigError() throws {
        let error = #expect(throws: ConfigError.self) {
            _ = try self.gateway(ListValidator(valid: []), okit: AdapterKind(name: "okit") { _ in Plain() })
        }
        #expect(error?.line == 5)
        #expect(error?.path == "clients.sms-callers.okit_connection")
        #expect(
            error?.message
                == """
                connection \"okit\" (adapter okit) cannot validate tokens; okit_connection must name a connection \
                whose adapter is a token validator
                """
        )
    }

    @Test func aTokenValidatorWithoutAClientPrefixHeaderIsAConfigError() throws {
        let validator = ListValidator(valid: [])
        #expect(throws: ConfigError.self) {
            _ = try self.gateway(validator, okit: AdapterKind(name: "okit") { _ in StandInOKIT(validator: validator) })
        }
    }

    @Test func theValidatorsHeaderIsWhereThePrefixIsRead() async throws {
        let validator = ListValidator(valid: ["t1@BlaBla"])
        let other = HTTPField.Name("X-Caller")!
        let gateway = try self.gateway(
            validator,
            okit: AdapterKind(name: "okit", clientPrefixHeader: other) { _ in StandInOKIT(validator: validator) })
        #expect(gateway.inboundCredentialHeaders == ["x-caller"])
        let principal = try await gateway.authenticate(
            InboundCredentials(authorization: "Bearer t1", headers: [other: "BlaBla"]))
        #expect(principal.name == "BlaBla")
        // The same prefix in another header names nobody.
        let refusal = await self.refusal(
            gateway, InboundCredentials(authorization: "Bearer t1", clientPrefix: "BlaBla"))
        #expect(refusal?.code == .unauthenticated)
    }
}

/// A transport for tests that must not send.
struct NoTransport: UpstreamTransport {
    func send(_ request: UpstreamRequest) async throws -> UpstreamResponse {
        throw TransportError(.shutdown, "no network in this test")
    }
}
