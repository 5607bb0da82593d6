import GatehouseCore

extension GatewayResponder {
    /// Whether this responder's listener serves `route` at all. The data plane serves what
    /// callers and vendors reach (`/proxy`, `/v1`, `/oauth/{c}/...` that are not admin endpoints,
    /// `/hooks/`, health, readiness, metrics); the admin listener serves `/admin/v1/...` and the
    /// adapters' admin endpoints (`GET /oauth/{c}/start`). Which `/oauth` names are admin ones is
    /// the adapter's to say (`adminEndpoints`), checked when the endpoint is answered.
    func serves(_ route: GatewayRoute) -> Bool {
        switch (self.role, route) {
        case (.data, .admin): false
        case (.data, _): true
        case (.admin, .admin), (.admin, .endpoint), (.admin, .notFound): true
        case (.admin, _): false
        }
    }
}
