import Foundation
import GatehouseCore

/// A libpq-style connection URL, `postgres://user:password@host:port/database?sslmode=require`,
/// parsed into what the client needs. ``redacted`` (no password) is the only form that appears in
/// messages.
///
/// ```swift
/// let url = try PostgresURL("postgres://gatehouse:pw@127.0.0.1:5432/gatehouse?sslmode=disable")
/// print(url.redacted)  // postgres://gatehouse@127.0.0.1:5432/gatehouse
/// ```
public struct PostgresURL: Sendable, Hashable {
    /// libpq's `sslmode` values.
    public enum SSLMode: String, Sendable, Hashable, CaseIterable {
        /// Plain TCP only.
        case disable
        /// TLS when the server offers it, else plain (libpq's `allow` is treated the same).
        case allow
        /// TLS when the server offers it, else plain; libpq's default.
        case prefer
        /// TLS required; the certificate is not checked (as libpq does without a root certificate).
        case require
        /// TLS required; the certificate must chain to a trusted root.
        case verifyCA = "verify-ca"
        /// TLS required; the certificate must chain to a trusted root and name the host.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    /// A PEM file of trusted roots (`sslrootcert`), else the system's.
    public var rootCertificateFile: String?
    /// How long one connection attempt may take (`connect_timeout`, whole seconds 1-3600; as in
    /// libpq, less than 2 counts as 2), else the store's start-up timeout.
    public var connectTimeout: Duration?

    /// Parses `text`; the error names what is wrong, never the password.
    public init(_ text: String) throws(VaultError) {
        guard let components = URLComponents(string: text),
            let scheme = components.scheme, scheme == "postgres" || scheme == "postgresql"
        else {
            throw .storeFailure("the PostgreSQL URL must look like postgres://user:password@host:port/database")
        }
        guard let host = components.host, !host.isEmpty else { throw .storeFailure("the PostgreSQL URL names no host") }
        guard let user = components.user, !user.isEmpty else { throw .storeFailure("the PostgreSQL URL names no user") }
        self.host = host
        self.username = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        // URLComponents.port traps on nothing, but range-check what it gives.
        let port = components.port ?? 5432
        guard (1...65_535).contains(port) else { throw .storeFailure("the PostgreSQL URL's port must be 1-65535") }
        self.port = port
        let database = String(components.path.drop(while: { $0 == "/" }))
        self.database = database.isEmpty ? self.username : (database.removingPercentEncoding ?? database)
        self.sslMode = .prefer
        self.rootCertificateFile = nil
        self.connectTimeout = nil
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: item.value ?? "") else {
                    let known = SSLMode.allCases.map(\.rawValue).joined(separator: ", ")
                    throw .storeFailure("the PostgreSQL URL's sslmode must be one of \(known)")
                }
                self.sslMode = mode
            case "sslrootcert":
                self.rootCertificateFile = item.value
            case "connect_timeout":
                guard let text = item.value, text.utf8.count <= 4, let seconds = Int(text), (1...3600).contains(seconds)
                else {
                    throw .storeFailure("the PostgreSQL URL's connect_timeout must be whole seconds, 1-3600")
                }
                self.connectTimeout = .seconds(Swift.max(2, seconds))
            case "application_name":
                continue
            default:
                throw .storeFailure("the PostgreSQL URL has an unsupported parameter \(item.name)")
            }
        }
    }

    /// The URL without its password, for messages and `location`.
    public var redacted: String {
        "postgres://\(self.username)@\(self.host):\(self.port)/\(self.database)"
    }
}
