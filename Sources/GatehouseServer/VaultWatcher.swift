import GatehouseCore
import Logging
import ServiceLifecycle

/// Follows changes other processes make to the vault (`gatehouse vault put`, another instance):
/// checks the store's change token whenever the store announces a change (PostgreSQL's
/// `NOTIFY`) and at least every `interval`, and reloads the cache when it moved. When the store cannot be
/// reached, `/readyz` reports not ready (the cached secrets keep serving) until it can again.
struct VaultWatcher: Service {
    let vault: Vault
    let readiness: Readiness
    let interval: Duration
    let logger: Logger

    func run() async throws {
        var failing = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await cancelWhenGracefulShutdown { await self.vault.store.waitForChange(timeout: self.interval) }
            if Task.isShuttingDownGracefully || Task.isCancelled { return }
            do {
                if try await self.vault.reloadIfChanged() {
                    self.logger.notice(
                        "vault reloaded", metadata: ["problems": .stringConvertible(self.vault.problems.count)])
                    for problem in self.vault.problems {
                        self.logger.error("vault secret unreadable", metadata: ["reason": .string(problem.description)])
                    }
                }
                if failing {
                    failing = false
                    self.readiness.set("vault", failing: nil)
                    self.logger.notice("vault store reachable again")
                }
            } catch {
                let reason = (error as? VaultError)?.description ?? "vault store check failed"
                if !failing {
                    failing = true
                    self.logger.error("vault store unreachable", metadata: ["reason": .string(reason)])
                }
                // `/readyz` answers anyone: it says what is wrong, the log says where.
                self.readiness.set("vault", failing: "vault store unreachable (see the gateway log)")
            }
        }
    }
}
