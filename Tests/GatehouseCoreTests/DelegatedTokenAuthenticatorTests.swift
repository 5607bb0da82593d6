import GatehouseCore
import Synchronization
import Testing

/// A validator answering from a fixed list of valid (token, prefix) pairs, counting its calls.
final class ListValidator: TokenValidator {
    let valid: Set<String>
    let failing: Bool
    let calls = Mutex<[String]>([])

    init(valid: Set<String>, failing: Bool = false) {
        self.valid = valid
        self.failing = failing
    }

    var validationScope: String { "SMSAPP" }

    func validate(_ token: Secret, clientPrefix: String) async throws -> TokenVerdict {
        self.calls.withLock { $0.append(clientPrefix) }
        if self.failing { throw GatewayError(.unavailable, "validator down", connection: "okit") }
        let isValid = self.valid.contains(token.reveal() + "@" + clientPrefix)
        return TokenVerdict(
            isValid: isValid,
            message: isValid ? "Token is valid" : "Token is not valid",
            lifetime: .seconds(isValid ? 60 : 5)
        )
    }

    var callCount: Int { self.calls.withLock { $0.count } }
}

@Suite struct DelegatedTokenAuthenticatorTests {
    func authenticator(_ validator: ListValidator) -> DelegatedTokenAuthenticator<ManualClock> {
        DelegatedTokenAuthenticator(
            connection: "okit",
            clientPrefixHeader: InboundCredentials.clientPrefixHeader,
            validator: validator,
            principals: [
                "BlaBla": Principal(name: "BlaBla", connections: ["sms"]),
                "Acme": Principal(name: "Acme", connections: ["sms", "mail"]),
            ],
            cache: TokenVerdictCache(clock: ManualClock())
        )
    }

    func code(_ body: () async throws -> Principal?) async -> GatewayError.Code? {
        do {
            _ = try await body()
            return nil
        } catch let error as GatewayError {
            return error.code
        } catch {
            return .internal
        }
    }

    @Test func aValidTokenAdmitsTheClientPrefixAsPrincipal() async throws {
        let validator = ListValidator(valid: ["t1@BlaBla"])
        let principal = try await self.authenticator(validator).authenticate(
            InboundCredentials(authorization: "Bearer t1", clientPrefix: "BlaBla")
        )
        #expect(principal == Principal(name: "BlaBla", connections: ["sms"]))
        #expect(validator.calls.withLock { $0 } == ["BlaBla"])
    }

    @Test func requestsForOtherPrefixesAreNotThisAuthenticatorsBusiness() async throws {
        let validator = ListValidator(valid: ["t1@BlaBla"])
        let authenticator = self.authenticator(validator)
        #expect(
            try await authenticator.authenticate(InboundCredentials(authorization: "Bearer t1", clientPrefix: "Nobody"))
                == nil)
        #expect(
            try await authenticator.authenticate(InboundCredentials(authorization: "Bearer t1", clientPrefix: nil))
                == nil)
        #expect(validator.callCount == 0)
    }

    @Test func refusals() async throws {
        let validator = ListValidator(valid: ["t1@BlaBla"])
        let authenticator = self.authenticator(validator)
        // A token valid for one prefix is not valid for another.
        #expect(
            await self.code {
                try await authenticator.authenticate(.init(authorization: "Bearer t1", clientPrefix: "Acme"))
            }
                == .unauthenticated
        )
        #expect(
            await self.code {
                try await authenticator.authenticate(.init(authorization: "Bearer nope", clientPrefix: "BlaBla"))
            }
                == .unauthenticated
        )
        #expect(validator.callCount == 2)
        // Without a bearer token, or with an absurd one, the validator is not asked.
        #expect(
            await self.code { try await authenticator.authenticate(.init(authorization: nil, clientPrefix: "BlaBla")) }
                == .unauthenticated
        )
        #expect(
            await self.code {
                try await authenticator.authenticate(.init(authorization: "Basic dDE=", clientPrefix: "BlaBla"))
            }
                == .unauthenticated
        )
        let long = "Bearer " + String(repeating: "x", count: 4097)
        #expect(
            await self.code { try await authenticator.authenticate(.init(authorization: long, clientPrefix: "BlaBla")) }
                == .unauthenticated
        )
        #expect(validator.callCount == 2)
    }

    @Test func aValidatorWithoutAnAnswerIsUnavailableNeverAdmitted() async throws {
        let validator = ListValidator(valid: ["t1@BlaBla"], failing: true)
        let authenticator = self.authenticator(validator)
        for _ in 0..<2 {
            #expect(
                await self.code {
                    try await authenticator.authenticate(.init(authorization: "Bearer t1", clientPrefix: "BlaBla"))
                }
                    == .unavailable
            )
        }
        // Failures are not cached: each request asks again.
        #expect(validator.callCount == 2)
    }

    @Test func answersAreCachedPerClientPrefix() async throws {
        let validator = ListValidator(valid: ["t1@BlaBla", "t1@Acme"])
        let authenticator = self.authenticator(validator)
        for _ in 0..<3 {
            _ = try await authenticator.authenticate(.init(authorization: "Bearer t1", clientPrefix: "BlaBla"))
            _ = try await authenticator.authenticate(.init(authorization: "Bearer t1", clientPrefix: "Acme"))
        }
        #expect(validator.calls.withLock { $0 } == ["BlaBla", "Acme"])
    }
}
