import GatehouseCore
import Hummingbird

extension Console {
    /// How many audit rows are read; the filter applies to these.
    static let auditRows = 500

    /// `GET /audit?path=`: the latest audit rows, optionally those whose path contains `path`.
    func auditPage(_ request: Request, as user: SignedIn) async throws -> Response {
        let filter = String(
            (EndpointRequest.decode(query: request.uri.query).first { $0.name == "path" }?.value ?? "").prefix(256))
        guard let vault else {
            return self.page("audit", title: "Audit", ["available": false, "filterValue": filter], as: user)
        }
        let records: [AuditRecord]
        do {
            records = try await vault.auditLog(limit: Self.auditRows)
        } catch {
            throw ConsoleRefusal(
                status: .serviceUnavailable, heading: "Vault unavailable",
                text: "The audit table could not be read; see the gateway log.")
        }
        let now = Timestamp.now()
        let rows: [[String: Any]] = records.filter { filter.isEmpty || ($0.path ?? "").contains(filter) }.map {
            record in
            [
                "at": record.at.iso8601, "relative": RelativeTime.describe(record.at, now: now),
                "action": record.action.rawValue,
                "path": record.path ?? "", "version": record.version.map(String.init) ?? "", "actor": record.actor.name,
                "source": record.actor.source.rawValue,
            ]
        }
        return self.page(
            "audit", title: "Audit",
            ["available": true, "rows": rows, "filterValue": filter, "filter": filter.isEmpty ? false : filter],
            as: user)
    }

    /// `GET /clients`: names, authenticators and allowed connections; never a key hash.
    func clientsPage(_ user: SignedIn) -> Response {
        let clients: [[String: Any]] = self.configuration.clients.map { client in
            ["name": client.name, "authenticator": client.authenticator, "connections": client.connections]
        }
        return self.page("clients", title: "Clients", ["clients": clients], as: user)
    }
}
