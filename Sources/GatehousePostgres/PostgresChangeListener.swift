import GatehouseCore
import Logging
import PostgresNIO

/// Holds one connection in `LISTEN gatehouse_vault` and fires the store's ``ChangeSignal`` on
/// every notification. When the connection drops it reconnects with a growing pause (at most
/// 5 s) and fires once more on reconnecting, since notifications sent meanwhile are lost; the
/// watcher's slow poll covers the gap until then.
struct PostgresChangeListener: Sendable {
    let client: PostgresClient
    let channel: String
    let signal: ChangeSignal
    let logger: Logger

    func run() async {
        var pause: Duration = .milliseconds(100)
        while !Task.isCancelled {
            do {
                try await self.client.withConnection { connection in
                    try await connection.listen(on: self.channel) { notifications in
                        // Listening now: anything committed before was possibly missed.
                        self.signal.fire()
                        pause = .milliseconds(100)
                        for try await _ in notifications {
                            self.signal.fire()
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                self.logger.debug("vault change listener lost its connection; reconnecting")
                // Let the watcher look now: it reports the outage without waiting for its poll.
                self.signal.fire()
            }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .seconds(5))
        }
    }
}
