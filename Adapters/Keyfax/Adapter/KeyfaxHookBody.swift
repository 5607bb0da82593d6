import GatehouseCore
import GatehouseCrypto

/// What Keyfax posts to the key web hook after a rotation: `{apiKey, signingKey, schemaName,
/// hostName}`, read strictly (a non-empty `apiKey`, a base64 `signingKey`, `schemaName` absent or
/// `Basic`). Reading it decides nothing about the secret, the host or the rotation.
package struct KeyfaxHookBody: Sendable {
    /// The new API key.
    package let apiKey: String
    /// The new signing key, base64 as Keyfax sent it.
    package let signingKey: String
    /// The host name the keys are for.
    package let hostName: String

    /// Reads a hook body; 400 for anything else.
    package init(parsing body: [UInt8]) throws(GatewayError) {
        guard case .object(let object) = (try? JSON.parse(body)) ?? .null,
            let apiKey = object["apiKey"]?.stringValue, let signingKey = object["signingKey"]?.stringValue,
            let hostName = object["hostName"]?.stringValue, !apiKey.isEmpty, Base64.decode(signingKey)?.isEmpty == false
        else {
            throw GatewayError(
                .badRequest, "expected {\"apiKey\", \"signingKey\" (base64), \"schemaName\", \"hostName\"}")
        }
        if let schema = object["schemaName"]?.stringValue, schema != "Basic" {
            throw GatewayError(.badRequest, "schemaName must be Basic")
        }
        self.apiKey = apiKey
        self.signingKey = signingKey
        self.hostName = hostName
    }
}
