import GatehouseCore
import GatehouseServer
import Logging
import ServiceLifecycle
import UnixSignals

/// Re-reads the listener's certificate and key on SIGHUP: new connections get the renewed pair,
/// established ones keep theirs. A renewed pair that fails the start-up checks is refused and the
/// current one stays (logged; the process keeps serving).
struct CertificateReloadService: Service {
    let settings: GatewayConfiguration.ListenerTLS
    let certificate: ListenerCertificate
    let secrets: any SecretSource
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            self.reload()
        }
    }

    private func reload() {
        do {
            let (chain, key) = try TLSFiles.listenerMaterial(self.settings, secrets: self.secrets)
            guard let key else { return }
            try chain.withBytes { chain in try key.withBytes { key in try self.certificate.replace(chainPEM: chain, keyPEM: key) } }
            self.logger.notice(
                "listener certificate reloaded",
                metadata: ["not_valid_after": .string(self.certificate.notValidAfter.formatted(.iso8601))])
        } catch {
            // Problems name files and settings, never key material.
            self.logger.error("listener certificate not reloaded; serving the previous one", metadata: ["reason": .string("\(error)")])
        }
    }
}
