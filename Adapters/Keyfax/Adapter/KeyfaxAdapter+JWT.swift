import GatehouseCore
import Logging

extension KeyfaxAdapter {
    /// The connection's Keyfax JWT as a core ``ObtainedCredential`` (lease `{connection}/jwt`): kept
    /// in the vault (`{connection}/jwt`, with its expiry), renewed `renew_margin_seconds` before it
    /// expires with `POST /api/v1/token` (Bearer), or obtained anew with `GET /api/v1/token`
    /// (Basic) when there is none, it was rejected, or the keys changed (a key change kills every
    /// JWT signed with the old key, so a JWT stored before the current keys is not used).
    static func jwtCredential(
        keys: KeyfaxKeyStore,
        health: ConnectionHealth,
        margin: Int64,
        clock: KeyfaxClock,
        logger: Logger,
        fetch: @escaping @Sendable (_ renewing: Secret?) async throws -> String
    ) -> ObtainedCredential {
        if let entry = try? keys.vault?.entry(keys.jwtPath), let expiresAt = entry.metadata.expiresAt {
            health.update { $0.expiries["jwt"] = expiresAt }
        }
        let actor = VaultActor(name: "keyfax \(keys.connection)", source: .adapter)
        return ObtainedCredential(
            name: keys.jwtPath,
            describedAs: "the Keyfax token endpoint",
            connection: keys.connection,
            vault: keys.vault,
            health: health,
            marginSeconds: margin,
            logger: logger,
            now: { clock.local },
            stored: {
                let vault = try keys.openVault()
                guard let jwt = try? vault.entry(keys.jwtPath), let keyEntry = try? vault.entry(keys.apiKeyPath),
                    jwt.metadata.updatedAt >= keyEntry.metadata.updatedAt
                else { return nil }
                return .init(value: jwt.secret, expiresAt: jwt.metadata.expiresAt)
            },
            renew: { renewal in
                // Renew with Bearer only a token of the current keys that was not rejected and has not expired.
                let renewable = renewal.stale.flatMap { stale -> Secret? in
                    guard stale.value != renewal.rejected, stale.expiresAt.map({ $0 > clock.local }) ?? true else {
                        return nil
                    }
                    return stale.value
                }
                let value: String
                do {
                    value = try await fetch(renewable)
                } catch let error as GatewayError where Self.isTransient(error) {
                    return .unavailable(
                        error,
                        kind: error.upstreamKind ?? error.upstreamStatus.map { "http_\($0)" } ?? error.code.rawValue)
                }
                let expiresAt = KeyfaxJWT.expiry(of: value, issuedAt: clock.local)
                try await keys.openVault().put(
                    [.init(path: keys.jwtPath, value: Secret(value), expiresAt: expiresAt)], by: actor,
                    under: renewal.lease)
                return .renewed(Secret(value), expiries: ["jwt": expiresAt])
            }
        )
    }

    /// Failures worth backing off for: Keyfax unreachable, slow or overloaded (5xx, 429).
    static func isTransient(_ error: GatewayError) -> Bool {
        switch error.code {
        case .upstreamUnreachable, .upstreamTimeout: return true
        default: return error.upstreamStatus.map { $0 >= 500 || $0 == 429 } ?? false
        }
    }

    /// `GET /api/v1/token` (Basic) for a first token, or `POST /api/v1/token` (Bearer) to renew one;
    /// a refused renewal falls back to a new token.
    static func obtainToken(
        renewing: Secret?,
        client: UpstreamClient,
        keys: KeyfaxKeyStore,
        signer: KeyfaxSigner,
        hostName: String,
        clock: KeyfaxClock,
        connection: String
    ) async throws -> String {
        let url = client.url(path: "/api/v1/token", query: nil)
        if let renewing {
            let renewal = client.signed(
                by: KeyfaxRequestSigner(
                    credential: .bearer(renewing.reveal()), hostName: hostName, signer: signer, clock: clock))
            let (response, body) = try await renewal.sendCollecting(
                UpstreamRequest(method: .post, url: url, headers: [.accept: "application/json"], purpose: .credential))
            if response.status == 200, let token = ((try? JSON.parse(body)) ?? .null)["token"]?.stringValue {
                return token
            }
            if response.status == 404 {
                // Seed 001: no active Basic key exists for the host; GET /api/v1/token cannot help.
                throw GatewayError(
                    .upstreamError,
                    """
                    Keyfax has no active key for host \(hostName) (404 renewing the JWT): bootstrap or import the \
                    host's keys
                    """,
                    connection: connection, upstreamStatus: 404, upstreamKind: "no_active_key")
            }
        }
        let basic = client.signed(
            by: KeyfaxRequestSigner(
                credential: .basic(try keys.current()), hostName: hostName, signer: signer, clock: clock))
        let (response, body) = try await basic.sendCollecting(
            UpstreamRequest(method: .get, url: url, headers: [.accept: "application/json"], purpose: .credential))
        clock.learn(from: response.headers)
        guard response.status == 200, let token = ((try? JSON.parse(body)) ?? .null)["token"]?.stringValue else {
            throw KeyfaxErrors.upstream(
                status: response.status, body: body, doing: "obtain a JWT", connection: connection)
        }
        return token
    }

    /// The JWT for the `client_token` operation, with its expiry.
    func clientToken() async throws -> (value: String, expiresAt: Timestamp) {
        let token = try await self.jwt.current()
        let stored = try? self.keys.vault?.entry(self.keys.jwtPath)
        let expiresAt =
            stored.flatMap { $0.secret == token ? $0.metadata.expiresAt : nil }
            ?? KeyfaxJWT.expiry(of: token.reveal(), issuedAt: self.clock.local)
        return (token.reveal(), expiresAt)
    }
}
