import GatehouseCore
import ServiceLifecycle

/// Runs every adapter's ``ConnectionMaintenance`` (e.g. renewing OAuth tokens of idle
/// connections) on its interval until graceful shutdown. The clock is injected for tests.
struct MaintenanceService<C: Clock<Duration>>: Service {
    let adapters: [any ConnectionMaintenance]
    let clock: C

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            for adapter in self.adapters {
                group.addTask {
                    await cancelWhenGracefulShutdown {
                        while !Task.isCancelled {
                            await adapter.maintain()
                            try? await self.clock.sleep(for: adapter.maintenanceInterval)
                        }
                    }
                }
            }
        }
    }
}
