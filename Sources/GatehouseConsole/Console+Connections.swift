import GatehouseCore
import Hummingbird

extension Console {
    /// Words for each state, beside its colour.
    static func label(_ state: ConnectionHealth.State) -> String {
        switch state {
        case .ok: "ok"
        case .refreshing: "refreshing"
        case .needsReauthorization: "needs reauthorization"
        case .failing: "failing"
        }
    }

    /// `GET /connections`: every connection's adapter, upstream, credential health, expiries,
    /// warning, recent traffic and actions.
    func connectionsPage(_ user: SignedIn) -> Response {
        let now = Timestamp.now()
        let rows: [[String: Any]] = self.gateway.connections.keys.sorted().map { name in
            let connection = self.gateway.connections[name]!
            let report = connection.health.current
            let counts = self.traffic.counts(connection: name)
            var row: [String: Any] = [
                "name": name,
                "adapter": connection.adapterName,
                "origin": self.configuration.origins[name] ?? "",
                "state": report.state.rawValue,
                "stateLabel": Self.label(report.state),
                "expiries": report.expiries.keys.sorted().map { key -> [String: Any] in
                    let at = report.expiries[key]!
                    return ["name": key, "at": at.iso8601, "relative": RelativeTime.describe(at, now: now)]
                },
                "requests": counts.requests,
                "errors": counts.errors,
                "hasErrors": counts.errors > 0,
                "actions": (connection.endpoints?.consoleActions ?? []).map { action -> [String: Any] in
                    [
                        "name": action.name, "title": action.title, "connection": name,
                        "path": Self.actionPath(name, action.name),
                    ]
                },
            ]
            // Absent keys would be looked up in the enclosing context; give each one.
            row["lastError"] = report.lastError ?? false
            row["lastErrorAt"] = report.lastErrorAt.map { RelativeTime.describe($0, now: now) } ?? false
            row["warning"] = report.warning ?? false
            return row
        }
        return self.page(
            "connections", title: "Connections", ["connections": rows, "minutes": RecentTraffic.minutes], as: user)
    }

    static func actionPath(_ connection: String, _ action: String) -> String {
        "/connections/\(connection)/actions/\(action)"
    }

    /// `GET /connections/{c}/actions/{action}` asks to confirm; `POST` (CSRF checked) runs the
    /// adapter's admin action. OAuth authorization sends the browser to the vendor's consent
    /// page; other actions come back with what happened, never with what they returned (a
    /// Keyfax answer carries its new API key).
    func connectionAction(_ request: Request, connection name: String, action: String, as user: SignedIn) async throws
        -> Response
    {
        guard let connection = self.gateway.connections[name], let endpoints = connection.endpoints,
            let offered = endpoints.consoleActions.first(where: { $0.name == action })
        else {
            throw ConsoleRefusal(
                status: .notFound, heading: "No such action", text: "This connection offers no such action.")
        }
        let path = Self.actionPath(name, action)
        guard request.method == .post else {
            return self.page(
                "confirm", title: "Connections",
                [
                    "heading": "\(offered.title): \(name)", "question": offered.confirmation, "action": path,
                    "confirmLabel": offered.title, "cancel": "/connections", "fields": [[String: Any]](),
                ],
                as: user)
        }
        do {
            let answer = try await endpoints.adminAction(action, arguments: .object([:]))
            self.logger.notice(
                "console action",
                metadata: [
                    "connection": .string(name), "action": .string(action), "remote": .string(user.remoteAddress),
                ])
            if offered.opensAuthorizationPage, let url = answer["authorize_url"]?.stringValue {
                return Self.redirect(to: url)
            }
            return self.done(user, ok: true, "\(offered.title) on \(name): done.", then: "/connections")
        } catch let error as GatewayError {
            // Gateway errors are written for callers: bounded, and never carry a secret.
            return self.done(
                user, ok: false, "\(offered.title) on \(name) failed: \(error.message)", then: "/connections")
        }
    }
}
