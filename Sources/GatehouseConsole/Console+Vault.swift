import GatehouseCore
import Hummingbird

extension Console {
    /// `GET /vault`: every secret's metadata, and a write-only form.
    func vaultPage(_ user: SignedIn) async throws -> Response {
        guard let vault else { return self.page("vault", title: "Vault", ["available": false], as: user) }
        let now = Timestamp.now()
        let secrets: [[String: Any]] = try await self.listing(vault).map { metadata in
            [
                "path": metadata.path,
                "version": metadata.version,
                "updated": metadata.updatedAt.iso8601,
                "updatedRelative": RelativeTime.describe(metadata.updatedAt, now: now),
                "expires": metadata.expiresAt.map(\.iso8601) ?? false,
                "expiresRelative": metadata.expiresAt.map { RelativeTime.describe($0, now: now) } ?? "",
                "source": metadata.source.rawValue,
            ]
        }
        return self.page("vault", title: "Vault", ["available": true, "secrets": secrets], as: user)
    }

    private func listing(_ vault: Vault) async throws -> [SecretMetadata] {
        do {
            return try await vault.list().sorted { $0.path < $1.path }
        } catch {
            throw ConsoleRefusal(
                status: .serviceUnavailable, heading: "Vault unavailable",
                text: "The vault could not be read; see the gateway log.")
        }
    }

    private func requireVault() throws -> Vault {
        guard let vault else {
            throw ConsoleRefusal(
                status: .notFound, heading: "No vault",
                text: "No vault is configured: add a vault: section to the configuration.")
        }
        return vault
    }

    /// `POST /vault/put`: a new version; the value is never echoed, not even in a refusal.
    func putSecret(_ user: SignedIn) async throws -> Response {
        let vault = try self.requireVault()
        let path = user.form["path"] ?? ""
        let value = user.form["value"] ?? ""
        var expiresAt: Timestamp?
        if let text = user.form["expires_at"], !text.isEmpty {
            guard let time = Timestamp(iso8601: text) else {
                return self.done(
                    user, ok: false, "Not stored: expires at must be an ISO 8601 time such as 2026-12-01T00:00:00Z.",
                    then: "/vault")
            }
            expiresAt = time
        }
        do {
            let metadata = try await vault.put(
                try VaultPath.validated(path), Secret(value), expiresAt: expiresAt, by: user.actor)
            return self.done(user, ok: true, "Stored \(metadata.path) version \(metadata.version).", then: "/vault")
        } catch let error as VaultError {
            // The description names the path and the rule, never the value.
            return self.done(user, ok: false, "Not stored: \(error.description)", then: "/vault")
        }
    }

    /// `GET /vault/delete?path=` asks to confirm; `POST` deletes every version.
    func deleteSecret(_ request: Request, as user: SignedIn) async throws -> Response {
        let vault = try self.requireVault()
        guard request.method == .post else {
            let path = EndpointRequest.decode(query: request.uri.query).first { $0.name == "path" }?.value ?? ""
            guard VaultPath.isValid(path) else {
                throw ConsoleRefusal(
                    status: .badRequest, heading: "No such secret", text: "That is not a vault path.", back: "/vault")
            }
            return self.page(
                "confirm", title: "Vault",
                [
                    "heading": "Delete \(path)",
                    "question":
                        "Delete every version of \(path)? Connections that use it stop working until it is set again.",
                    "action": "/vault/delete", "confirmLabel": "Delete", "cancel": "/vault",
                    "fields": [["name": "path", "value": path]],
                ],
                as: user)
        }
        let path = user.form["path"] ?? ""
        do {
            try await vault.delete(try VaultPath.validated(path), by: user.actor)
            return self.done(user, ok: true, "Deleted \(path).", then: "/vault")
        } catch let error as VaultError {
            return self.done(user, ok: false, "Not deleted: \(error.description)", then: "/vault")
        }
    }
}
