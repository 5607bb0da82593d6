import Foundation
import GatehouseTestSupport
import Testing

/// The fixtures' start-up on fresh ports: a server that could not bind one of its ports is not
/// taken for ready because another program answers there (the cause of a CI failure in which
/// every call to an nginx fixture was refused).
@Suite(.timeLimit(.minutes(2))) struct LoopbackPortTests {
    @Test func aServerThatCannotBindIsNotReadyBecauseSomeoneElseListens() async throws {
        let directory = try TemporaryDirectory.make()
        // Another program holds `taken`; nginx wants it and a free one.
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                guard bind(holder, $0, length) == 0, listen(holder, 8) == 0, getsockname(holder, $0, &length) == 0
                else { throw GatewayProcessError(message: "could not hold a port") }
            }
        }
        let taken = Int(UInt16(bigEndian: address.sin_port))
        let free = try LoopbackPort.free()
        let config = """
            daemon off;
            master_process off;
            pid \(directory)/nginx.pid;
            error_log \(directory)/error.log info;
            events { worker_connections 16; }
            http {
              access_log off;
              server { listen 127.0.0.1:\(free); return 200; }
              server { listen 127.0.0.1:\(taken); return 200; }
            }
            """
        try config.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
        let owned = try ChildProcesses.start(
            "/usr/sbin/nginx", ["-c", directory + "/nginx.conf", "-p", directory, "-e", directory + "/error.log"])
        defer { ChildProcesses.end(owned.value) }
        // Both ports accept connections while nginx retries its bind; it is still not ready.
        await #expect(throws: LoopbackPort.PortTaken.self) {
            try await LoopbackPort.waitUntilListening([free, taken], by: owned.value, what: "nginx")
        }
    }
}
