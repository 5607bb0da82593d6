import GatehouseCore
import GatehouseSimulation
import Synchronization

/// What a ``CheckfrontSimulator`` knows: its clients, token pairs, codes, grants and tokens, the
/// bookable data, its clock (movable by tests) and counters of what it saw. Shared between the
/// server and tests.
public final class CheckfrontSimulatorState: Sendable {
    /// Access token lifetime (seconds), as Checkfront documents it.
    public static let accessLifetime: Int64 = 14_000
    /// Refresh token lifetime: 14 days.
    public static let refreshLifetime: Int64 = 14 * 86_400
    /// Authorization code lifetime.
    public static let codeLifetime: Int64 = 60

    /// What tests read back: counters and the last form body received.
    public struct Stats: Sendable {
        /// Requests to `/oauth/token/` (any grant, any outcome).
        public var tokenCalls = 0
        /// The `traceparent` of each token call ("-" without one), in order.
        public var tokenTraceparents: [String] = []
        /// Successful code exchanges.
        public var codeExchanges = 0
        /// Successful refreshes.
        public var refreshes = 0
        /// Requests to `/api/` carrying the consumer secret anywhere (header, query, body).
        public var consumerSecretOnAPI = 0
        /// Requests to `/api/` with an access token in the query string.
        public var tokenInURL = 0
        /// Requests to `/api/`.
        public var apiCalls = 0
        /// Grants revoked (refresh token reuse, `/_sim/revoke`).
        public var revokedGrants = 0
        /// The refresh tokens presented, oldest first.
        public var refreshTokensSeen: [String] = []
        /// The last form body posted to `/api/` (decoded pairs).
        public var lastForm: [(name: String, value: String)] = []
        /// Requests to `/api/` answered 401 (no, wrong or expired credentials).
        public var apiUnauthorized = 0
        /// How each token call authenticated the client, oldest first: `basic` (raw
        /// `key:secret`), `basic_rfc6749` (each part form-urlencoded first, and only that form
        /// matched), `post` (in the body, no `Authorization` header) or `refused`.
        public var clientAuthentications: [String] = []
        /// Token calls carrying an `Authorization` header.
        public var tokenCallsWithAuthorization = 0
        /// Token calls carrying `client_secret` in the body.
        public var tokenCallsWithSecretInBody = 0
    }

    struct Code { var issuedAt: Int64; var redirectURI: String; var used: Bool }
    struct Token { var grant: Int; var expiresAt: Int64; var rotated: Bool }

    struct Storage {
        var codes: [String: Code] = [:]
        var revoked: Set<Int> = []
        var nextGrant = 1
        var access: [String: Token] = [:]
        var refresh: [String: Token] = [:]
        var failures: [Int] = []
        var hostileLifetimes: [Value] = []
        var redirectAPI: String?
        var stats = Stats()
        var bookings: [Value.Object]
    }

    /// The OAuth client (consumer key and secret).
    public let clientID: String
    let clientSecret: String
    /// Token-pair credentials accepted on `/api/` as HTTP Basic.
    let tokenPairs: [String: String]
    /// The simulator's clock (`/_sim/clock`): `now` moved by tests.
    let time: SimulatorClock
    private let storage: Mutex<Storage>

    /// Creates the state. `now` is the base clock; tests move it further with `/_sim/clock`.
    public init(
        clientID: String = "DEMO-ONLY-checkfront-consumer-key",
        clientSecret: String = "DEMO-ONLY-checkfront-consumer-secret",
        tokenPairs: [String: String] = ["DEMO-ONLY-checkfront-api-key": "DEMO-ONLY-checkfront-api-secret"],
        now: @escaping @Sendable () -> Timestamp = { Timestamp.now() }
    ) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.tokenPairs = tokenPairs
        self.time = SimulatorClock(base: now)
        self.storage = Mutex(Storage(bookings: CheckfrontData.bookings))
    }

    /// The simulator's current time.
    public var now: Timestamp { self.time.now }

    /// The next `count` token-endpoint calls answer `status` (5xx, 429) instead of working.
    public func failTokenEndpoint(times count: Int, status: Int = 503) {
        self.storage.withLock { $0.failures += Array(repeating: status, count: count) }
    }

    /// The next `count` token-endpoint calls answer 200 with a pair nobody issued and
    /// `expires_in` set to `value` (a JSON number literal, a string, anything): a broken or
    /// hostile token endpoint. The grant itself is not touched.
    public func answerTokenEndpoint(expiresIn value: Value, times count: Int = 1) {
        self.storage.withLock { $0.hostileLifetimes += Array(repeating: value, count: count) }
    }

    /// The `expires_in` of a hostile answer queued by ``answerTokenEndpoint(expiresIn:times:)``.
    func hostileLifetime() -> Value? {
        // Spelled out: `Value` is nil-literal convertible, so `cond ? nil : value` would be `.null`.
        self.storage.withLock { storage -> Value? in
            guard !storage.hostileLifetimes.isEmpty else { return Optional<Value>.none }
            return storage.hostileLifetimes.removeFirst()
        }
    }

    /// Makes `/api/` answer `301` to `url` (or stop, with `nil`).
    public func redirectAPI(to url: String?) { self.storage.withLock { $0.redirectAPI = url } }

    /// Revokes every grant (the staff user removed the app).
    public func revokeAll() {
        self.storage.withLock { storage in
            for grant in 1..<storage.nextGrant where storage.revoked.insert(grant).inserted {
                storage.stats.revokedGrants += 1
            }
        }
    }

    /// The counters so far.
    public var stats: Stats { self.storage.withLock { $0.stats } }

    /// Zeroes the counters, drops queued token-endpoint failures and the API redirect and puts
    /// the clock back (`/_sim/reset`); clients, grants, tokens and data stay.
    public func reset() {
        self.storage.withLock { storage in
            storage.stats = Stats()
            storage.failures.removeAll()
            storage.hostileLifetimes.removeAll()
            storage.redirectAPI = nil
        }
        self.time.reset()
    }

    // MARK: Server side

    func issueCode(redirectURI: String) -> String {
        let code = Self.random("code")
        let now = self.now.seconds
        self.storage.withLock { $0.codes[code] = Code(issuedAt: now, redirectURI: redirectURI, used: false) }
        return code
    }

    /// The forced failure status for this token call, if any; counts the call.
    func tokenCall(traceparent: String? = nil) -> Int? {
        self.storage.withLock { storage in
            storage.stats.tokenCalls += 1
            storage.stats.tokenTraceparents.append(traceparent ?? "-")
            return storage.failures.isEmpty ? nil : storage.failures.removeFirst()
        }
    }

    /// Records how a token call authenticated the client (``Stats/clientAuthentications``).
    func recordClientAuthentication(_ method: String?, authorizationHeader: Bool, secretInBody: Bool) {
        self.storage.withLock { storage in
            storage.stats.clientAuthentications.append(method ?? "refused")
            if authorizationHeader { storage.stats.tokenCallsWithAuthorization += 1 }
            if secretInBody { storage.stats.tokenCallsWithSecretInBody += 1 }
        }
    }

    /// Counts a 401 answered on `/api/`.
    func recordAPIUnauthorized() { self.storage.withLock { $0.stats.apiUnauthorized += 1 } }

    /// Exchanges a code: a new grant and pair, or an OAuth error code.
    func exchange(code: String, redirectURI: String?) -> Result<(access: String, refresh: String), OAuthFailure> {
        let now = self.now.seconds
        return self.storage.withLock { storage in
            guard var entry = storage.codes[code] else {
                return .failure(.init("invalid_grant", "Authorization code doesn't exist or is invalid for the client"))
            }
            guard !entry.used else {
                return .failure(.init("invalid_grant", "The authorization code has already been used"))
            }
            entry.used = true
            storage.codes[code] = entry
            guard now - entry.issuedAt <= Self.codeLifetime else {
                return .failure(.init("invalid_grant", "The authorization code has expired"))
            }
            guard redirectURI == nil || redirectURI == entry.redirectURI else {
                return .failure(
                    .init("redirect_uri_mismatch", "The redirect URI provided is missing or does not match"))
            }
            let grant = storage.nextGrant
            storage.nextGrant += 1
            storage.stats.codeExchanges += 1
            return .success(Self.issue(grant: grant, now: now, into: &storage))
        }
    }

    /// Rotates a refresh token; reuse of a rotated one revokes the whole grant.
    func refresh(token: String) -> Result<(access: String, refresh: String), OAuthFailure> {
        let now = self.now.seconds
        return self.storage.withLock { storage in
            storage.stats.refreshTokensSeen.append(token)
            guard var entry = storage.refresh[token] else {
                return .failure(.init("invalid_grant", "Invalid refresh token"))
            }
            if entry.rotated {
                if storage.revoked.insert(entry.grant).inserted { storage.stats.revokedGrants += 1 }
                return .failure(.init("invalid_grant", "Refresh token has already been used; the grant is revoked"))
            }
            guard !storage.revoked.contains(entry.grant) else {
                return .failure(.init("invalid_grant", "The grant has been revoked"))
            }
            guard entry.expiresAt > now else { return .failure(.init("invalid_grant", "Refresh token has expired")) }
            entry.rotated = true
            storage.refresh[token] = entry
            // Rotation invalidates the previous pair's access token too.
            for (access, value) in storage.access where value.grant == entry.grant { storage.access[access] = nil }
            storage.stats.refreshes += 1
            return .success(Self.issue(grant: entry.grant, now: now, into: &storage))
        }
    }

    /// Whether `token` is a live access token.
    func isLive(access token: String) -> Bool {
        let now = self.now.seconds
        return self.storage.withLock { storage in
            guard let entry = storage.access[token] else { return false }
            return entry.expiresAt > now && !storage.revoked.contains(entry.grant)
        }
    }

    func recordAPI(carriesSecret: Bool, tokenInURL: Bool) -> String? {
        self.storage.withLock { storage in
            storage.stats.apiCalls += 1
            if carriesSecret { storage.stats.consumerSecretOnAPI += 1 }
            if tokenInURL { storage.stats.tokenInURL += 1 }
            return storage.redirectAPI
        }
    }

    var bookings: [Value.Object] { self.storage.withLock { $0.bookings } }

    func updateBooking(id: String, form: [(name: String, value: String)]) -> Value.Object? {
        self.storage.withLock { storage in
            storage.stats.lastForm = form
            guard let index = storage.bookings.firstIndex(where: { $0["booking_id"]?.idText == id }) else { return nil }
            for (name, value) in form { storage.bookings[index][name] = .string(value) }
            return storage.bookings[index]
        }
    }

    private static func issue(grant: Int, now: Int64, into storage: inout Storage) -> (access: String, refresh: String)
    {
        let access = Self.random("at")
        let refresh = Self.random("rt")
        storage.access[access] = Token(grant: grant, expiresAt: now + Self.accessLifetime, rotated: false)
        storage.refresh[refresh] = Token(grant: grant, expiresAt: now + Self.refreshLifetime, rotated: false)
        return (access, refresh)
    }

    static func random(_ prefix: String) -> String {
        prefix + "-" + (0..<4).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16) }.joined()
    }
}

/// An OAuth error answer: `{"error", "error_description"}`.
struct OAuthFailure: Error {
    var error: String
    var description: String
    init(_ error: String, _ description: String) {
        self.error = error
        self.description = description
    }
}

extension CheckfrontSimulatorState: SimulatorState {
    public var clock: SimulatorClock? { self.time }

    /// The counters, as `/_sim/stats` reports them, and the simulator's time.
    public var statsJSON: Value {
        let stats = self.stats
        return [
            "token_calls": .int(stats.tokenCalls), "code_exchanges": .int(stats.codeExchanges),
            "refreshes": .int(stats.refreshes),
            "consumer_secret_on_api": .int(stats.consumerSecretOnAPI), "token_in_url": .int(stats.tokenInURL),
            "api_calls": .int(stats.apiCalls), "revoked_grants": .int(stats.revokedGrants),
            "refresh_tokens_seen": .array(stats.refreshTokensSeen.map(Value.string)),
            "last_form": .array(stats.lastForm.map { ["name": .string($0.name), "value": .string($0.value)] }),
            "api_unauthorized": .int(stats.apiUnauthorized),
            "client_authentications": .array(stats.clientAuthentications.map(Value.string)),
            "token_calls_with_authorization": .int(stats.tokenCallsWithAuthorization),
            "token_traceparents": .array(stats.tokenTraceparents.map(Value.string)),
            "token_calls_with_secret_in_body": .int(stats.tokenCallsWithSecretInBody),
            "now": .string(self.now.iso8601),
        ]
    }
}
