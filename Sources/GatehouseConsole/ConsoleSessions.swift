import GatehouseCrypto
import Synchronization

/// The console's server-side sessions. A session is named by a random 256-bit cookie value;
/// the store keys sessions by that value's SHA-256, so a lookup's timing says nothing about
/// the cookies it holds. Sessions end after ``lifetime`` (absolute), at logout, or when the
/// store is full and they are the oldest.
final class ConsoleSessions: Sendable {
    /// How long a session lasts.
    static let lifetime: Duration = .seconds(8 * 3600)
    /// The most sessions kept at once.
    static let capacity = 256

    private let sessions = Mutex([String: ConsoleSession]())

    /// A fresh random token: 32 bytes, base64url (43 characters).
    static func token() -> String { Base64.urlEncode(SecureRandom.bytes(32)) }

    private static func key(_ cookie: String) -> String { Hex.encode(Digest.sha256(Array(cookie.utf8))) }

    /// Opens a session for an operator who presented the admin token with digest `tokenDigest`;
    /// returns the cookie value.
    func open(tokenDigest: [UInt8], now: ContinuousClock.Instant = .now) -> String {
        let cookie = Self.token()
        let session = ConsoleSession(
            csrf: Self.token(), tokenDigest: tokenDigest, expires: now + Self.lifetime, flash: nil)
        self.sessions.withLock { sessions in
            sessions = sessions.filter { $0.value.expires > now }
            if sessions.count >= Self.capacity, let oldest = sessions.min(by: { $0.value.expires < $1.value.expires }) {
                sessions[oldest.key] = nil
            }
            sessions[Self.key(cookie)] = session
        }
        return cookie
    }

    /// The live session named by `cookie`.
    func session(_ cookie: String, now: ContinuousClock.Instant = .now) -> ConsoleSession? {
        let key = Self.key(cookie)
        return self.sessions.withLock { sessions in
            guard let session = sessions[key] else { return nil }
            guard session.expires > now else {
                sessions[key] = nil
                return nil
            }
            return session
        }
    }

    /// Leaves `flash` for the session's next page.
    func flash(_ cookie: String, _ flash: ConsoleFlash) {
        let key = Self.key(cookie)
        self.sessions.withLock { $0[key]?.flash = flash }
    }

    /// Takes the session's flash message, if any.
    func takeFlash(_ cookie: String) -> ConsoleFlash? {
        let key = Self.key(cookie)
        return self.sessions.withLock { sessions in
            defer { sessions[key]?.flash = nil }
            return sessions[key]?.flash
        }
    }

    /// Ends the session named by `cookie`.
    func close(_ cookie: String) {
        let key = Self.key(cookie)
        _ = self.sessions.withLock { $0.removeValue(forKey: key) }
    }
}
