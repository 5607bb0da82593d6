import GatehouseCore
import HTTPTypes
import Logging

/// OKIT token validation (seed 004): `GET {base}/api/tokenvalidator?token=..&applicaiontPrefix=..&clientPrefix=..`
/// answering `{"valid": bool, "message": string}`.
///
/// Serves the `token.validate` operation and is the ``TokenValidator`` behind `authenticator: token` (or `okit`)
/// clients. The application prefix is configuration (`options.application_prefix`), never the
/// caller's. Fail closed: only a JSON body with a boolean `valid` decides (`true` needs a 2xx
/// status); anything else — unreachable, too slow, redirect, garbage — is 503 `unavailable`.
public struct OKITAdapter: Adapter, TokenValidator {
    /// The registration used by the executable's built-in list.
    /// Callers name themselves to OKIT in `X-Client-Prefix`, never forwarded.
    public static let kind = AdapterKind(name: "okit", clientPrefixHeader: HTTPField.Name("X-Client-Prefix")!) {
        setup in
        try OKITAdapter(setup: setup)
    }

    /// Largest validator answer read; a real one is well under 100 bytes.
    static let largestAnswer = 64 * 1024

    /// The validated options.
    public let configuration: Configuration
    private let client: UpstreamClient
    let connection: String
    private let logger: Logger

    /// Builds the adapter for one connection, validating its options.
    public init(setup: AdapterSetup) throws {
        var options = try setup.options()
        self.configuration = try Configuration(options: &options)
        try options.finish()
        if let credential = setup.connection.credentials.first {
            throw credential.node.error(
                "the OKIT validator takes no credentials and adapter okit never sends them; remove credentials")
        }
        if setup.connection.followRedirects {
            throw setup.connection.node.error(
                "follow_redirects: true is not allowed for adapter okit: a redirect is never a validator's answer"
            )
        }
        self.client = setup.client
        self.connection = setup.connection.name
        self.logger = setup.logger
    }

    public var validationScope: String { self.configuration.applicationPrefix }

    public var maximumPendingValidations: Int { self.configuration.maxPending }

    /// OKIT has nothing to proxy: a caller could otherwise pick its own application prefix.
    public func proxy(_ call: ProxyCall) async throws -> UpstreamResponse {
        throw GatewayError(
            .notFound,
            "adapter okit has no proxy route; validate a token with POST /v1/\(self.connection)/token.validate",
            connection: self.connection
        )
    }

    public func validate(_ token: Secret, clientPrefix: String) async throws -> TokenVerdict {
        try await self.ask(token, clientPrefix: clientPrefix).verdict
    }

    /// One validator call: the verdict and the status it came with, or 503 `unavailable`.
    func ask(_ token: Secret, clientPrefix: String) async throws -> (verdict: TokenVerdict, status: Int) {
        let url = ValidatorURL(
            client: self.client,
            applicationPrefixParameter: self.configuration.applicationPrefixParameter,
            applicationPrefix: self.configuration.applicationPrefix,
            clientPrefix: clientPrefix
        )
        let started = ContinuousClock.now
        let status: Int
        let body: [UInt8]
        do {
            let response = try await self.client.send(
                UpstreamRequest(
                    method: .get, url: url.string(token: token), headers: [.accept: "application/json"],
                    purpose: .credential)
            )
            status = response.status
            if (300..<400).contains(status) {
                response.body.cancel()
                body = []
            } else {
                var buffer = try await response.collectBody(upTo: Self.largestAnswer)
                body = buffer.readBytes(length: buffer.readableBytes) ?? []
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw self.unavailable(url: url, reason: Self.reason(for: error), started: started)
        }
        switch OKITAnswer(status: status, body: body) {
        case .valid(let message):
            self.logDecision(url: url, status: status, valid: true, started: started)
            return (TokenVerdict(isValid: true, message: message, lifetime: self.configuration.cacheLifetime), status)
        case .invalid(let message):
            self.logDecision(url: url, status: status, valid: false, started: started)
            return (
                TokenVerdict(isValid: false, message: message, lifetime: self.configuration.negativeCacheLifetime),
                status
            )
        case .undecided(let reason):
            throw self.unavailable(url: url, reason: reason, started: started, status: status)
        }
    }

    private func logDecision(url: ValidatorURL, status: Int, valid: Bool, started: ContinuousClock.Instant) {
        self.logger.debug(
            "okit validation",
            metadata: [
                "url": .string(url.redacted),
                "upstream_status": .stringConvertible(status),
                "valid": .stringConvertible(valid),
                "duration_ms": .stringConvertible((ContinuousClock.now - started).milliseconds),
            ]
        )
    }

    /// Logs why the validator gave no answer (never the token, never the body) and builds the error.
    private func unavailable(url: ValidatorURL, reason: String, started: ContinuousClock.Instant, status: Int? = nil)
        -> GatewayError
    {
        var metadata: Logger.Metadata = [
            "url": .string(url.redacted),
            "reason": .string(reason),
            "duration_ms": .stringConvertible((ContinuousClock.now - started).milliseconds),
        ]
        if let status { metadata["upstream_status"] = .stringConvertible(status) }
        self.logger.warning("okit validator gave no answer", metadata: metadata)
        return GatewayError(
            .unavailable,
            "the OKIT validator gave no definite answer (\(reason))",
            connection: self.connection,
            upstreamStatus: status
        )
    }

    /// A bounded description of a failed exchange.
    static func reason(for error: any Error) -> String {
        switch error {
        case let error as GatewayError: error.code.rawValue
        case let error as TransportError:
            error.kind == .responseTooLarge ? "answer larger than \(Self.largestAnswer) bytes" : error.kind.rawValue
        default: "exchange failed"
        }
    }
}

extension Duration {
    /// Whole milliseconds, for log lines.
    var milliseconds: Int64 { self.components.seconds * 1000 + self.components.attoseconds / 1_000_000_000_000_000 }
}
