import Foundation
import GatehouseTestSupport
import Testing

/// The server's event loops: one per CPU the process may run on (its affinity mask, which
/// NIO's own count ignores), or NIO's `NIO_SINGLETON_GROUP_LOOP_COUNT` when set. The
/// "listening" line says how many, and the process has exactly that many loop threads.
@Suite(.timeLimit(.minutes(2))) struct EventLoopSizingTests {
    static let config = """
        server: { host: 127.0.0.1, port: 0 }
        connections:
          echo: { adapter: http, base_url: "http://127.0.0.1:9" }
        clients:
          app: { key_sha256: "\(String(repeating: "ab", count: 32))", connections: [echo] }
        """

    /// The names of the gateway's NIO event-loop threads (`NIO-ELT-...`).
    static func loopThreads(of pid: Int32) -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.compactMap { task in
            guard let handle = FileHandle(forReadingAtPath: "/proc/\(pid)/task/\(task)/comm") else { return nil }
            defer { try? handle.close() }
            let name = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
            return name.hasPrefix("NIO-ELT") ? name : nil
        }
    }

    @Test func aGatewayConfinedToOneCPURunsOneLoop() async throws {
        let gateway = try await GatewayProcess.start(config: Self.config, wrapper: ["/usr/bin/taskset", "-c", "0"])
        #expect(gateway.log.contains("event_loops=1"), "\(gateway.log)")
        #expect(Self.loopThreads(of: gateway.pid).count == 1, "\(Self.loopThreads(of: gateway.pid))")
        _ = await gateway.stop()
    }

    @Test func nioOwnKnobStillDecides() async throws {
        let gateway = try await GatewayProcess.start(
            config: Self.config, environment: ["NIO_SINGLETON_GROUP_LOOP_COUNT": "3"])
        #expect(gateway.log.contains("event_loops=3"), "\(gateway.log)")
        #expect(Self.loopThreads(of: gateway.pid).count == 3, "\(Self.loopThreads(of: gateway.pid))")
        _ = await gateway.stop()
    }
}
