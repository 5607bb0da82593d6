import Foundation
import GatehouseCore
import GatehouseCurl
import GatehouseServer

/// Reads and checks the TLS material the configuration names, before anything serves: every
/// problem is a `file:line` message (``ExitMessage``), never a half-working listener.
enum TLSFiles {
    /// The contents of every `file:` PEM setting (listener chain and key, client certificates).
    static func read(_ config: GatewayConfiguration) throws -> [String: Secret] {
        var files: [String: Secret] = [:]
        for (path, node) in config.pemFiles where files[path] == nil {
            files[path] = try self.read(path, node: node)
        }
        return files
    }

    /// One file, or a message naming the setting.
    static func read(_ path: String, node: ConfigNode) throws -> Secret {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ExitMessage(node.error("cannot read \(path)").description)
        }
        return Secret(bytes: Array(data))
    }

    /// The listener's chain and key as they are now (files re-read, vault key resolved).
    static func listenerMaterial(_ tls: GatewayConfiguration.ListenerTLS, secrets: (any SecretSource)?) throws -> (
        chain: Secret, key: Secret?
    ) {
        let chain = try self.read(tls.certificatePath, node: tls.node)
        switch tls.key {
        case .file(let path):
            return (chain, try self.read(path, node: tls.node))
        case .reference(let reference):
            guard let secrets else { return (chain, nil) }
            if let problem = Serve.problem(with: reference, in: secrets) {
                throw ExitMessage(tls.node.error("the key (\(reference)) \(problem)").description)
            }
            return (chain, try secrets.secret(for: reference))
        }
    }

    /// The listener's certificate, checked: readable, PEM, unexpired, key matching. Without
    /// `secrets` (check-config) a vault key is not checked and `nil` comes back.
    static func listenerCertificate(_ tls: GatewayConfiguration.ListenerTLS, secrets: (any SecretSource)?) throws
        -> ListenerCertificate?
    {
        let (chain, key) = try self.listenerMaterial(tls, secrets: secrets)
        guard let key else {
            try self.checkChain(chain, node: tls.node)
            return nil
        }
        do {
            return try chain.withBytes { chain in
                try key.withBytes { key in try ListenerCertificate(chainPEM: chain, keyPEM: key) }
            }
        } catch let problem as ListenerCertificate.Problem {
            throw ExitMessage(tls.node.error(problem.description).description)
        }
    }

    /// A chain alone (its key not at hand): PEM and unexpired.
    private static func checkChain(_ chain: Secret, node: ConfigNode) throws {
        if let problem = ListenerCertificate.chainProblem(chain.withBytes { $0 }) {
            throw ExitMessage(node.error(problem.description).description)
        }
    }

    /// Connection TLS settings usable as configured: `ca_file` readable, `ca_mode: add` backed by
    /// a system CA directory, each client certificate a matching, unexpired pair (its key from
    /// `secrets`; without them only a `file:` certificate is checked).
    static func checkConnections(
        _ config: GatewayConfiguration, pemFiles: [String: Secret], secrets: (any SecretSource)?, trust: SystemTrust
    ) throws {
        for connection in config.connections {
            if let file = connection.transport.caFile {
                guard FileManager.default.isReadableFile(atPath: file) else {
                    throw ExitMessage(connection.node.error("ca_file: cannot read \(file)").description)
                }
                if connection.transport.caMode == .add, trust.directory == nil {
                    throw ExitMessage(
                        connection.node.error(
                            """
                            ca_mode: add needs libcurl's CA directory and this libcurl has none; use ca_mode: \
                            replace with a bundle that includes the system CAs
                            """
                        ).description)
                }
            }
            guard let settings = connection.clientCertificate else { continue }
            let certificate: Secret?
            switch settings.certificate {
            case .file(let path): certificate = pemFiles[path]
            case .reference(let reference): certificate = secrets.flatMap { try? $0.secret(for: reference) }
            }
            guard let secrets else {
                if let certificate { try self.checkChain(certificate, node: settings.node) }
                continue
            }
            guard let certificate, !certificate.isEmpty else {
                throw ExitMessage(
                    settings.node.error(
                        """
                        connection \(connection.name): the client certificate (\(settings.certificate)) is not \
                        available
                        """
                    ).description)
            }
            if let problem = Serve.problem(with: settings.key, in: secrets) {
                throw ExitMessage(
                    settings.node.error("connection \(connection.name): the client key (\(settings.key)) \(problem)")
                        .description)
            }
            let key = try secrets.secret(for: settings.key) ?? Secret(bytes: [])
            do {
                _ = try certificate.withBytes { chain in
                    try key.withBytes { key in try ListenerCertificate(chainPEM: chain, keyPEM: key) }
                }
            } catch let problem as ListenerCertificate.Problem {
                throw ExitMessage(
                    settings.node.error("connection \(connection.name): client certificate: \(problem)").description)
            }
        }
    }
}
