/// Asks the system that issued a caller's token whether it is valid: the seam between the
/// core's delegated authentication and an adapter whose upstream validates tokens (OKIT).
///
/// The gateway finds a validator through a connection's adapter (`adapter as? any TokenValidator`),
/// so the core never imports the adapter; the adapter's kind declares the inbound header that
/// carries the client prefix (``AdapterKind/clientPrefixHeader``), which the gateway reads and
/// never forwards. Answers are cached by ``DelegatedTokenAuthenticator``; a validator only asks.
///
/// ```swift
/// struct FixedValidator: TokenValidator {
///     var validationScope: String { "SMSAPP" }
///     func validate(_ token: Secret, clientPrefix: String) async throws -> TokenVerdict {
///         TokenVerdict(isValid: token.reveal() == "letmein", message: "", lifetime: .seconds(60))
///     }
/// }
/// ```
public protocol TokenValidator: Sendable {
    /// What the answers are about (OKIT: the connection's application prefix). Part of every
    /// cache key, so an answer given for one application never admits a caller to another.
    var validationScope: String { get }

    /// Asks whether `token` is valid for `clientPrefix`.
    ///
    /// Returns a definite answer with how long it may be reused. Throws ``GatewayError``
    /// `unavailable` when no definite answer could be had (unreachable, slow, malformed): the
    /// caller is then refused, never admitted.
    func validate(_ token: Secret, clientPrefix: String) async throws -> TokenVerdict

    /// Most validations asked of this validator at once; callers beyond it are refused with 503
    /// at once rather than queued (OKIT: `options.max_pending`). Defaults to 64.
    var maximumPendingValidations: Int { get }
}

extension TokenValidator {
    /// 64, as Envoy-style defaults go: enough for a burst, small enough that a flood of made-up
    /// tokens cannot pile up validator calls.
    public var maximumPendingValidations: Int { 64 }
}
