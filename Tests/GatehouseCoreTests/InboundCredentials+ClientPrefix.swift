import GatehouseCore
import HTTPTypes

/// The tests' stand-in validators read the client prefix from `X-Client-Prefix`, as OKIT's
/// adapter kind declares; the core itself names no such header.
extension InboundCredentials {
    static let clientPrefixHeader = HTTPField.Name("X-Client-Prefix")!

    /// Credentials carrying `clientPrefix` in ``clientPrefixHeader``.
    init(authorization: String?, clientPrefix: String?) {
        self.init(authorization: authorization, headers: clientPrefix.map { [Self.clientPrefixHeader: $0] } ?? [:])
    }
}
