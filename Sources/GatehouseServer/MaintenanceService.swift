import GatehouseCore
import Logging
import ServiceLifecycle
import Synchronization

/// Runs every adapter's ``ConnectionMaintenance`` (e.g. renewing OAuth tokens of idle
/// connections) on its interval until graceful shutdown, following config reloads: a
/// connection the reload kept keeps its loop, a new or rebuilt one gets one, and a removed or
/// replaced one has its loop stopped — after the round under way, never in the middle of a
/// token renewal. The clock is injected for tests.
struct MaintenanceService<C: Clock<Duration>>: Service {
    let live: LiveGateway
    let clock: C
    let logger: Logger

    /// One connection's loop.
    private struct Loop {
        let name: String
        let stopped: StopFlag
        let task: Task<Void, Never>

        func stop() async {
            self.stopped.set()
            self.task.cancel()
            await self.task.value
        }
    }

    func run() async throws {
        var loops: [UInt64: Loop] = [:]
        for await gateway in self.live.updates().cancelOnGracefulShutdown() {
            let wanted = Dictionary(
                gateway.connections.values.compactMap { runtime in
                    runtime.maintenance.map { (runtime.instance, (runtime.name, $0)) }
                },
                uniquingKeysWith: { first, _ in first })
            for (instance, loop) in loops where wanted[instance] == nil {
                await loop.stop()
                loops[instance] = nil
                self.logger.info("connection maintenance stopped", metadata: ["connection": .string(loop.name)])
            }
            for (instance, (name, adapter)) in wanted where loops[instance] == nil {
                loops[instance] = self.start(name: name, adapter: adapter)
            }
        }
        for loop in loops.values { await loop.stop() }
    }

    private func start(name: String, adapter: any ConnectionMaintenance) -> Loop {
        let stopped = StopFlag()
        let clock = self.clock
        let task = Task {
            while !stopped.isSet {
                // Its own task: stopping the loop never cancels a round under way (a refresh
                // token rotated upstream must reach the vault).
                await Task { await adapter.maintain() }.value
                if stopped.isSet { break }
                try? await clock.sleep(for: adapter.maintenanceInterval)
            }
        }
        return Loop(name: name, stopped: stopped, task: task)
    }
}

/// A flag set once, read from any task.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { self.value.load(ordering: .acquiring) }
    func set() { self.value.store(true, ordering: .releasing) }
}
