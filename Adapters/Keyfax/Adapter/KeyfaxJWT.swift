import GatehouseCore
import GatehouseCrypto

/// Reads what Gatehouse needs from a Keyfax JWT without verifying it (only Keyfax can): its
/// expiry, to renew before it lapses. Keyfax JWT claims are not public; a token without `exp`
/// is assumed to last 24 hours from issue (Adapters/Keyfax/README.md, "Signing choices").
public enum KeyfaxJWT {
    /// The `exp` claim, or `nil` when the token is not a JWT or carries none.
    public static func expiry(of token: String) -> Timestamp? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = Base64.urlDecode(String(parts[1])),
            case .object(let claims) = (try? JSON.parse(payload)) ?? .null
        else { return nil }
        guard case .number(let text)? = claims["exp"], let seconds = Double(text), seconds.isFinite, abs(seconds) < 1e15
        else {
            return nil
        }
        return Timestamp(seconds: Int64(seconds))
    }

    /// `expiry(of:)`, or `issuedAt` + 24 h when the token says nothing.
    public static func expiry(of token: String, issuedAt: Timestamp) -> Timestamp {
        self.expiry(of: token) ?? issuedAt.adding(seconds: 24 * 3600)
    }
}
