import GatehouseCore
import GatehouseCrypto

/// Where one connection's Keyfax keys live: the vault (`{connection}/api_key`,
/// `{connection}/signing_key`, `{connection}/jwt`), plus the two records of a rotation in
/// progress (`{connection}/rotation`, `{connection}/incoming_keys`). Keeping the handshake in the
/// vault lets `gatehouse keyfax rotate` in one process and the web hook in the running gateway
/// complete it together.
struct KeyfaxKeyStore: Sendable {
    let connection: String
    /// `nil` only under `check-config`, which validates options without opening the vault.
    let vault: Vault?
    /// How long a rotation waits for its keys at the web hook (15 minutes; tests shorten it).
    var rotationWindowSeconds: Int64 = 900

    /// The vault, or 503 when none is open.
    func openVault() throws -> Vault {
        guard let vault = self.vault else {
            throw GatewayError(.unavailable, "the vault is not open", connection: self.connection)
        }
        return vault
    }

    var apiKeyPath: String { "\(self.connection)/api_key" }
    var signingKeyPath: String { "\(self.connection)/signing_key" }
    var jwtPath: String { "\(self.connection)/jwt" }
    var rotationPath: String { "\(self.connection)/rotation" }
    var incomingPath: String { "\(self.connection)/incoming_keys" }

    /// The keys requests are signed with now; 503 naming the fix when there are none.
    func current() throws -> KeyfaxSigner.Keys {
        do {
            let vault = try self.openVault()
            guard let apiKey = try vault.entry(self.apiKeyPath)?.secret,
                let signingKey = try vault.entry(self.signingKeyPath)?.secret
            else {
                throw GatewayError(
                    .unavailable,
                    """
                    no Keyfax keys yet for connection \(self.connection): run `gatehouse keyfax bootstrap \
                    \(self.connection)` (or import emailed keys)
                    """,
                    connection: self.connection
                )
            }
            return KeyfaxSigner.Keys(apiKey: apiKey.reveal(), signingKey: signingKey)
        } catch let error as VaultError {
            throw GatewayError(.unavailable, "the Keyfax keys cannot be read: \(error)", connection: self.connection)
        }
    }

    /// Stores a key pair as new versions of both secrets, atomically.
    func store(apiKey: String, signingKey: String, by actor: VaultActor) async throws {
        guard !apiKey.isEmpty, !apiKey.contains(":"), let decoded = Base64.decode(signingKey), !decoded.isEmpty else {
            throw GatewayError(
                .badRequest, "a Keyfax key pair is an apiKey without ':' and a base64 signingKey",
                connection: self.connection)
        }
        try await self.openVault().put(
            [
                .init(path: self.apiKeyPath, value: Secret(apiKey)),
                .init(path: self.signingKeyPath, value: Secret(signingKey)),
            ],
            by: actor
        )
    }

    /// Removes the keys and the JWT (after `DELETE /api/v1/key`).
    func clear(by actor: VaultActor) async throws {
        for path in [self.apiKeyPath, self.signingKeyPath, self.jwtPath, self.rotationPath, self.incomingPath] {
            try? await self.openVault().delete(path, by: actor)
        }
    }

    // MARK: Rotation handshake

    struct Rotation {
        var requestedAt: Int64
        var apiKey: String?
    }

    /// The pending rotation, if one was requested within the window.
    func rotation(now: Timestamp) -> Rotation? {
        // The record is read back from the vault, where an operator may have put anything:
        // the age is computed without overflow, and a time in the future is no rotation.
        guard let value = self.json(self.rotationPath), let requestedAt = value["requested_at"]?.intValue,
            case let age = now.seconds(since: Timestamp(seconds: Int64(requestedAt))),
            (0...self.rotationWindowSeconds).contains(age)
        else { return nil }
        return Rotation(requestedAt: Int64(requestedAt), apiKey: value["api_key"]?.stringValue)
    }

    func recordRotation(_ rotation: Rotation, by actor: VaultActor) async throws {
        var object: Value.Object = ["requested_at": .int(Int(rotation.requestedAt))]
        if let apiKey = rotation.apiKey { object["api_key"] = .string(apiKey) }
        try await self.openVault().put(
            self.rotationPath,
            Secret(JSON.serialize(.object(object))),
            expiresAt: Timestamp(seconds: rotation.requestedAt + self.rotationWindowSeconds),
            by: actor
        )
    }

    /// Keys delivered to the web hook before the rotation's `POST /api/v1/key` answered.
    func incoming() -> (apiKey: String, signingKey: String)? {
        guard let value = self.json(self.incomingPath), let apiKey = value["apiKey"]?.stringValue,
            let signingKey = value["signingKey"]?.stringValue
        else { return nil }
        return (apiKey, signingKey)
    }

    func park(apiKey: String, signingKey: String, now: Timestamp, by actor: VaultActor) async throws {
        try await self.openVault().put(
            self.incomingPath,
            Secret(JSON.serialize(["apiKey": .string(apiKey), "signingKey": .string(signingKey)])),
            expiresAt: now.adding(seconds: self.rotationWindowSeconds),
            by: actor
        )
    }

    /// Completes the rotation when the delivered keys match the API key `POST /api/v1/key`
    /// answered: stores them (signing switches with the next request) and clears the records.
    func completeIfMatched(now: Timestamp, by actor: VaultActor) async throws -> Bool {
        guard let rotation = self.rotation(now: now), let expected = rotation.apiKey, let incoming = self.incoming(),
            incoming.apiKey == expected
        else { return false }
        try await self.store(apiKey: incoming.apiKey, signingKey: incoming.signingKey, by: actor)
        try await self.endRotation(by: actor)
        return true
    }

    func endRotation(by actor: VaultActor) async throws {
        try? await self.openVault().delete(self.rotationPath, by: actor)
        try? await self.openVault().delete(self.incomingPath, by: actor)
    }

    private func json(_ path: String) -> Value? {
        guard let entry = try? self.vault?.entry(path) else { return nil }
        return entry.secret.withBytes { try? JSON.parse($0) }
    }
}
