import HTTPTypes

/// Admits callers whose token another system vouches for (`authenticator: token`): the caller
/// sends `Authorization: Bearer {token}` and its client prefix in the header the validator's
/// adapter kind declares (``AdapterKind/clientPrefixHeader``; OKIT: `X-Client-Prefix`), and the
/// connection's ``TokenValidator`` decides. The principal is the client prefix.
///
/// Answers are cached by a hash of scope, client prefix and token (``TokenVerdictCache``), and
/// concurrent requests with one token share one validator call; at most the validator's
/// ``TokenValidator/maximumPendingValidations`` calls run at once. Fail closed: without a
/// definite `valid` answer (validator down, slow, or already at its limit) the request is refused
/// with 503 `unavailable`; a definite "not valid" is 401. Both bodies are the same for every
/// caller (``GatewayError/unauthenticatedCaller``, ``GatewayError/credentialsUncheckable``).
public struct DelegatedTokenAuthenticator<C: Clock>: Authenticator where C.Duration == Duration {
    /// Longest token passed to a validator; longer ones are refused without asking.
    public static var maximumTokenBytes: Int { 4096 }

    /// The connection whose adapter validates, for messages.
    public let connection: String
    /// The inbound header carrying the client prefix.
    public let clientPrefixHeader: HTTPField.Name
    private let validator: any TokenValidator
    private let principals: [String: Principal]
    private let cache: TokenVerdictCache<C>

    /// Creates an authenticator admitting the client prefixes of `principals` (prefix → principal),
    /// read from `clientPrefixHeader`, through `validator`, remembering answers in `cache`.
    public init(
        connection: String,
        clientPrefixHeader: HTTPField.Name,
        validator: any TokenValidator,
        principals: [String: Principal],
        cache: TokenVerdictCache<C>
    ) {
        self.connection = connection
        self.clientPrefixHeader = clientPrefixHeader
        self.validator = validator
        self.principals = principals
        self.cache = cache
    }

    /// The client prefixes this authenticator answers for.
    public var clientPrefixes: [String] { self.principals.keys.sorted() }

    public func authenticate(_ credentials: InboundCredentials) async throws -> Principal? {
        guard let prefix = credentials.headers[self.clientPrefixHeader], let principal = self.principals[prefix] else {
            return nil
        }
        guard let text = credentials.bearerToken, !text.isEmpty else {
            throw GatewayError.unauthenticatedCaller
        }
        guard text.utf8.count <= Self.maximumTokenBytes else {
            throw GatewayError.unauthenticatedCaller
        }
        let token = Secret(text)
        let validator = self.validator
        let key = TokenVerdictCache<C>.Key(scope: validator.validationScope, clientPrefix: prefix, token: token)
        let verdict: TokenVerdict
        do {
            verdict = try await self.cache.verdict(for: key) {
                try await validator.validate(token, clientPrefix: prefix)
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // Whatever went wrong, the caller is not admitted. The validator logs the reason;
            // the caller learns only that it should try again later.
            throw GatewayError.credentialsUncheckable
        }
        guard verdict.isValid else {
            throw GatewayError.unauthenticatedCaller
        }
        return principal
    }
}
