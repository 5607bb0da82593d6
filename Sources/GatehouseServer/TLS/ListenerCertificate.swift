import Foundation
import NIOSSL
import Synchronization

/// A listener's TLS certificate and key, replaceable while serving: each new connection takes the
/// latest, established connections keep the one they started with (nothing is dropped).
///
/// One per listener; ``TLSListenerChannel`` wraps any Hummingbird child channel with it, so the
/// data plane and the admin listener share the same piece.
///
/// ```swift
/// let certificate = try ListenerCertificate(chainPEM: chain, keyPEM: key)
/// Application(..., server: .tls(.eventLoopBoundHTTP1(), certificate: certificate))
/// try certificate.replace(chainPEM: renewedChain, keyPEM: renewedKey)   // on SIGHUP
/// ```
public final class ListenerCertificate: Sendable {
    private let context: Mutex<NIOSSLContext>
    private let expiry: Mutex<Date>

    /// Builds the TLS context (TLS 1.2 or later) from a PEM chain (leaf first) and a PEM key;
    /// throws ``ListenerCertificate/Problem`` when they are unusable.
    public init(chainPEM: [UInt8], keyPEM: [UInt8], now: Date = Date()) throws {
        let (context, expiry) = try Self.makeContext(chainPEM: chainPEM, keyPEM: keyPEM, now: now)
        self.context = Mutex(context)
        self.expiry = Mutex(expiry)
    }

    /// The context new connections use.
    var current: NIOSSLContext { self.context.withLock { $0 } }

    /// When the certificate being served expires.
    public var notValidAfter: Date { self.expiry.withLock { $0 } }

    /// Swaps in a renewed chain and key; on any problem the current ones stay and it throws.
    public func replace(chainPEM: [UInt8], keyPEM: [UInt8], now: Date = Date()) throws {
        let (context, expiry) = try Self.makeContext(chainPEM: chainPEM, keyPEM: keyPEM, now: now)
        self.context.withLock { $0 = context }
        self.expiry.withLock { $0 = expiry }
    }

    /// Why a certificate and key cannot be served. Messages name no key material.
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Why a PEM chain alone cannot be served (not PEM, expired, not yet valid), or `nil`.
    public static func chainProblem(_ chainPEM: [UInt8], now: Date = Date()) -> Problem? {
        do {
            _ = try self.chain(chainPEM, now: now)
            return nil
        } catch let problem as Problem {
            return problem
        } catch {
            return Problem("the certificate file holds no PEM certificate")
        }
    }

    private static func chain(_ chainPEM: [UInt8], now: Date) throws -> ([NIOSSLCertificate], Date) {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(chainPEM)
        } catch {
            throw Problem("the certificate file holds no PEM certificate")
        }
        guard let leaf = chain.first else { throw Problem("the certificate file holds no PEM certificate") }
        let notAfter = Date(timeIntervalSince1970: TimeInterval(leaf.notValidAfter))
        let notBefore = Date(timeIntervalSince1970: TimeInterval(leaf.notValidBefore))
        guard notAfter > now else { throw Problem("the certificate expired at \(Self.format(notAfter))") }
        guard notBefore <= now else { throw Problem("the certificate is not valid before \(Self.format(notBefore))") }
        return (chain, notAfter)
    }

    static func makeContext(chainPEM: [UInt8], keyPEM: [UInt8], now: Date) throws -> (NIOSSLContext, Date) {
        let (chain, notAfter) = try Self.chain(chainPEM, now: now)
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: keyPEM, format: .pem)
        } catch {
            throw Problem("the key is not an unencrypted PEM private key")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(key)
        )
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["http/1.1"]
        do {
            return (try NIOSSLContext(configuration: configuration), notAfter)
        } catch {
            throw Problem("the key does not belong to the certificate")
        }
    }

    private static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
