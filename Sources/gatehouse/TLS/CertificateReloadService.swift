import GatehouseCore
import GatehouseServer
import Logging

/// Re-reads every TLS listener's certificate and key (on SIGHUP, through ``ReloadSignalService``):
/// new connections get the renewed pair, established ones keep theirs. A renewed pair that fails
/// the start-up checks is refused and the current one stays (logged; the process keeps serving).
struct CertificateReloadService {
    /// One TLS listener: its role (for the log), its settings and the certificate it serves.
    struct Entry {
        let listener: String
        let settings: GatewayConfiguration.ListenerTLS
        let certificate: ListenerCertificate
    }

    let entries: [Entry]
    let secrets: any SecretSource
    let logger: Logger

    /// Reloads every listener's pair.
    func reloadAll() {
        for entry in self.entries { self.reload(entry) }
    }

    private func reload(_ entry: Entry) {
        do {
            let (chain, key) = try TLSFiles.listenerMaterial(entry.settings, secrets: self.secrets)
            guard let key else { return }
            try chain.withBytes { chain in
                try key.withBytes { key in try entry.certificate.replace(chainPEM: chain, keyPEM: key) }
            }
            self.logger.notice(
                "listener certificate reloaded",
                metadata: [
                    "listener": .string(entry.listener),
                    "not_valid_after": .string(entry.certificate.notValidAfter.formatted(.iso8601)),
                ])
        } catch {
            // Problems name files and settings, never key material.
            self.logger.error(
                "listener certificate not reloaded; serving the previous one",
                metadata: ["listener": .string(entry.listener), "reason": .string("\(error)")])
        }
    }
}
