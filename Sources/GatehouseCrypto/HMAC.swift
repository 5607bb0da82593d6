import CGatehouseOpenSSL

/// HMAC on OpenSSL.
public enum HMAC {
    /// The hash under the HMAC.
    public enum Algorithm: Int32, Sendable {
        case md5 = 0
        case sha256 = 1
        case sha512 = 2
    }

    /// The authentication code of `message` under `key`.
    public static func authenticationCode(_ algorithm: Algorithm, key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 64)
        var length: UInt32 = 0
        let ok = key.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                gh_hmac(algorithm.rawValue, k.baseAddress, k.count, m.baseAddress, m.count, &out, &length)
            }
        }
        precondition(ok == 1, "OpenSSL HMAC failed")
        return Array(out.prefix(Int(length)))
    }
}
