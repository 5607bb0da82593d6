import GatehouseCore
import GatehouseCrypto

/// The server side of Keyfax's two schemes, written from the recipe in Adapters/Keyfax/README.md rather
/// than reusing the adapter's signer, so a mistake in one shows up against the other.
enum KeyfaxVerifier {
    /// Who a request was verified as.
    struct Caller {
        var host: String
        var apiKey: String
        var bearer: Bool
    }

    /// A refusal: 401 with a JSON body saying why.
    struct Refusal: Error {
        var message: String
    }

    /// Verifies `Authorization` for a request to `url` (absolute, as received).
    static func verify(
        authorization: String?,
        method: String,
        url: String,
        body: [UInt8],
        allowBearer: Bool,
        state: KeyfaxSimulatorState
    ) throws(Refusal) -> Caller {
        guard let authorization, let space = authorization.firstIndex(of: " ") else {
            throw Refusal(message: "Authorization header missing")
        }
        let scheme = authorization[..<space].lowercased()
        let credentials = String(authorization[authorization.index(after: space)...])
        switch scheme {
        case "basic": return try self.basic(credentials, method: method, url: url, body: body, state: state)
        case "bearer":
            guard allowBearer else { throw Refusal(message: "This method only accepts the Basic authorization schema") }
            return try self.bearer(credentials, state: state)
        default:
            throw Refusal(message: "Unknown authorization schema \(scheme)")
        }
    }

    private static func basic(
        _ credentials: String, method: String, url: String, body: [UInt8], state: KeyfaxSimulatorState
    ) throws(Refusal)
        -> Caller
    {
        let fields = credentials.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 5 else {
            throw Refusal(message: "The Basic schema needs exactly five fields: host:apiKey:signature:nonce:timestamp")
        }
        let (host, apiKey, signature, nonce, timestampText) = (fields[0], fields[1], fields[2], fields[3], fields[4])
        guard let timestamp = Int64(timestampText) else { throw Refusal(message: "The timestamp is not a number") }
        let now = state.now
        let window = state.configuration
        guard timestamp >= now - window.pastWindowSeconds else {
            throw Refusal(message: "The request timestamp is too old (clock skew or replay)")
        }
        guard timestamp <= now + window.futureWindowSeconds else {
            throw Refusal(message: "The request timestamp is in the future (clock skew)")
        }
        return try state.data.withLock { data throws(Refusal) -> Caller in
            // An unknown host name is served by the Default KeyGen entry when there is one.
            let keyHost = data.hosts[host] == nil && data.hosts["Default"] != nil ? "Default" : host
            guard var hostState = data.hosts[keyHost] else { throw Refusal(message: "Unknown host name \(host)") }
            let candidates = [hostState.current, hostState.pending].compactMap { $0 }.filter { $0.apiKey == apiKey }
            guard let keys = candidates.first else {
                throw Refusal(
                    message: hostState.current == nil
                        ? "No API keys exist for host \(host)" : "The API key is not valid for host \(host)")
            }
            let expected = self.signature(
                keys: keys, host: host, method: method, url: url, body: body, timestamp: timestampText, nonce: nonce,
                recipe: state.configuration.signing)
            guard ConstantTime.equals(Array(expected.utf8), Array(signature.utf8)) else {
                throw Refusal(message: "The request signature is not valid")
            }
            data.nonces = data.nonces.filter { $0.value >= now - window.pastWindowSeconds - window.futureWindowSeconds }
            if data.nonces[nonce] != nil {
                data.stats.nonceReuses += 1
                throw Refusal(message: "The nonce has already been used (replay)")
            }
            data.nonces[nonce] = timestamp
            if hostState.pending?.apiKey == apiKey {
                // First use of the new keys: from now on only they work.
                hostState.current = hostState.pending
                hostState.pending = nil
                data.hosts[keyHost] = hostState
            }
            data.stats.acceptedByAPIKey[apiKey, default: 0] += 1
            return Caller(host: keyHost, apiKey: apiKey, bearer: false)
        }
    }

    /// `base64(HMAC-SHA256(base64decode(signingKey), apiKey + METHOD + enc(lower(url)) + ts + nonce + b64(md5(body))))`
    /// with the default recipe; `recipe` changes each choice the documents leave open.
    static func signature(
        keys: KeyfaxSimulatorState.Keys, host: String, method: String, url: String, body: [UInt8], timestamp: String,
        nonce: String,
        recipe: KeyfaxSimulator.Configuration.Signing = .init()
    ) -> String {
        let key = recipe.signingKey == "text" ? Array(keys.signingKey.utf8) : Base64.decode(keys.signingKey) ?? []
        var signed = url
        if recipe.urlForm == "path_and_query", let authority = url.range(of: "://") {
            let rest = url[authority.upperBound...]
            signed = rest.firstIndex(of: "/").map { String(rest[$0...]) } ?? "/"
        }
        if recipe.urlCase == "lower" { signed = signed.lowercased() }
        var encoded = recipe.urlEncoding == "none" ? signed : ""
        for byte in signed.utf8 where recipe.urlEncoding == "dotnet" {
            let scalar = Character(Unicode.Scalar(byte))
            if byte < 0x80, scalar.isLetter || scalar.isNumber || "()*-._!".contains(scalar) {
                encoded.append(scalar)
            } else if byte == 0x20 {
                encoded.append("+")
            } else {
                encoded += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
            }
        }
        let bodyPart = body.isEmpty || recipe.bodyDigest == "none" ? "" : Base64.encode(Digest.md5(body))
        let parts = [
            "identity": recipe.identity == "host_name" ? host : keys.apiKey, "method": method.uppercased(),
            "url": encoded,
            "timestamp": timestamp, "nonce": nonce, "body": bodyPart,
        ]
        let raw = recipe.fields.map { parts[$0] ?? "" }.joined()
        return Base64.encode(
            HMAC.authenticationCode(recipe.hash == "sha512" ? .sha512 : .sha256, key: key, message: Array(raw.utf8)))
    }

    // MARK: JWT (HS256 with the raw signing key; claims chosen for the simulator)

    static func issueToken(host: String, keys: KeyfaxSimulatorState.Keys, now: Int64, lifetime: Int64 = 86_400)
        -> String
    {
        let header = Base64.urlEncode(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let claims: Value = [
            "iss": .string(host), "apiKey": .string(keys.apiKey), "iat": .int(Int(now)),
            "exp": .int(Int(now + lifetime)),
            "jti": .string(Hex.encode(SecureRandom.bytes(8))),
        ]
        let payload = Base64.urlEncode(JSON.serializeBytes(claims))
        let signature = HMAC.authenticationCode(
            .sha256, key: Base64.decode(keys.signingKey) ?? [], message: Array("\(header).\(payload)".utf8))
        return "\(header).\(payload).\(Base64.urlEncode(signature))"
    }

    private static func bearer(_ credentials: String, state: KeyfaxSimulatorState) throws(Refusal) -> Caller {
        guard let colon = credentials.firstIndex(of: ":") else {
            throw Refusal(message: "The Bearer schema is {hostName}:{token}")
        }
        let host = String(credentials[..<colon])
        let token = String(credentials[credentials.index(after: colon)...])
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let signature = Base64.urlDecode(parts[2]), let payload = Base64.urlDecode(parts[1]),
            case .object(let claims) = (try? JSON.parse(payload)) ?? .null
        else { throw Refusal(message: "The token is not a JSON Web Token") }
        guard let keys = state.data.withLock({ $0.hosts[host]?.current }) else {
            throw Refusal(message: "No active API keys exist for host \(host)")
        }
        let expected = HMAC.authenticationCode(
            .sha256, key: Base64.decode(keys.signingKey) ?? [], message: Array("\(parts[0]).\(parts[1])".utf8))
        guard ConstantTime.equals(expected, signature) else {
            throw Refusal(message: "The token signature is not valid (the signing key may have changed)")
        }
        guard claims["iss"]?.stringValue == host, claims["apiKey"]?.stringValue == keys.apiKey else {
            throw Refusal(message: "The token was not issued for this host and API key")
        }
        guard let exp = claims["exp"]?.intValue, Int64(exp) > state.now else {
            throw Refusal(message: "The token has expired")
        }
        return Caller(host: host, apiKey: keys.apiKey, bearer: true)
    }
}
