import Foundation
import GatehouseCore
import GatehouseCurl
import GatehouseServer
import Logging
import ServiceLifecycle
import UnixSignals

/// What a config reload rebuilds from the file, and what it leaves to a restart.
///
/// Reloaded live: `clients` (keys, grants, rate limits) and `connections` (every key; a
/// connection whose entry is unchanged keeps its adapter and tokens). Read at start-up only:
/// `server`, `admin`, `vault` and `alerts` — a change there is reported as restart-required
/// and the running values stay.
struct ConfigReloading: Sendable {
    /// The top-level sections that take a restart.
    static let restartSections = ["server", "admin", "vault", "alerts"]

    let path: String
    /// Fingerprints of ``restartSections`` as the process started with them.
    let startSections: [String: String]
    let transport: any UpstreamTransport
    let secrets: any SecretSource
    let vault: Vault?

    /// The fingerprint of each of ``restartSections`` in `text` (absent sections are "").
    static func sections(of text: String, file: String) throws(ConfigError) -> [String: String] {
        let root = try ConfigParser.parse(text, file: file)
        var result: [String: String] = [:]
        for name in Self.restartSections { result[name] = "" }
        if case .mapping(let entries) = root.kind {
            for entry in entries where Self.restartSections.contains(entry.key) {
                result[entry.key] = entry.value.fingerprint
            }
        }
        return result
    }

    /// Loads and checks the file as `serve` does at start-up and builds the gateway, keeping
    /// `running`'s unchanged connections. Throws ``ConfigReload/Rejection`` with `file:line` problems.
    func build(running: Gateway) async throws -> ConfigReload.Built {
        do {
            let text: String
            do {
                text = try String(contentsOfFile: self.path, encoding: .utf8)
            } catch {
                throw ExitMessage("\(self.path): cannot read the configuration file")
            }
            let sections: [String: String]
            do {
                sections = try Self.sections(of: text, file: self.path)
            } catch {
                throw ExitMessage(error.description)
            }
            let config = try ConfigLoading.load(text: text, path: self.path)
            if config.usesVault, self.vault == nil {
                throw ExitMessage("\(self.path): the configuration now uses the vault; opening it takes a restart")
            }
            let pemFiles = try TLSFiles.read(config)
            try TLSFiles.checkConnections(config, pemFiles: pemFiles, secrets: self.secrets, trust: .libcurlDefaults)
            let gateway = try GatewayAssembly.gateway(
                config: config, transport: self.transport, secrets: self.secrets, vault: self.vault, pemFiles: pemFiles,
                previous: running)
            try Serve.verifyCredentials(config: config, secrets: self.secrets)
            let restart = Self.restartSections.filter { sections[$0] != self.startSections[$0] }
            return ConfigReload.Built(gateway: gateway, restartRequired: restart, console: Serve.console(config))
        } catch let error as ExitMessage {
            throw ConfigReload.Rejection([error.description])
        }
    }
}

/// The one SIGHUP handler: re-reads the TLS listeners' certificates, then reloads the
/// configuration file.
struct ReloadSignalService: Service {
    let certificates: CertificateReloadService?
    let config: ConfigReload

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            self.certificates?.reloadAll()
            _ = await self.config.reload(trigger: "sighup")
        }
    }
}
