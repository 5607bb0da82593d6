import Foundation

/// Loopback TCP ports for servers the tests start as separate programs (nginx, tinyproxy).
public enum LoopbackPort {
    /// A port that was free a moment ago (bound to 0, read back, closed).
    public static func free() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw GatewayProcessError(message: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw GatewayProcessError(message: "bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Another program took a port between ``free()`` and the server's bind: start again on new ones.
    public struct PortTaken: Error, CustomStringConvertible {
        public let what: String
        public var description: String {
            "\(self.what) exited before listening (a port was taken): retried on new ports"
        }
    }

    /// Waits until `process` itself listens on every port (not merely something: a server that
    /// cannot bind one port may still hold the others while it retries, and another program may
    /// hold the one it wanted). Throws ``PortTaken`` when the process exits first, else a
    /// timeout error after `deadline`.
    public static func waitUntilListening(
        _ ports: [Int], by process: Process, what: String, deadline: Duration = .seconds(30)
    ) async throws {
        let end = ContinuousClock.now + deadline
        while ContinuousClock.now < end {
            guard process.isRunning else { throw PortTaken(what: what) }
            let sockets = Self.socketInodes(of: process.processIdentifier)
            let listening = Self.listeningInodes()
            if ports.allSatisfy({ port in listening[port].map(sockets.contains) ?? false }) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw GatewayProcessError(message: "\(what) did not start listening")
    }

    /// Starts a server on `count` fresh ports, again on new ones when ``PortTaken`` says another
    /// program was quicker (a few attempts).
    public static func withFreshPorts<T>(_ count: Int, _ start: ([Int]) async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            let ports = try (0..<count).map { _ in try Self.free() }
            do {
                return try await start(ports)
            } catch let taken as PortTaken where attempt < 4 {
                print("\(taken)")
                attempt += 1
            }
        }
    }

    /// Listening IPv4 sockets by port → socket inode, from /proc/net/tcp (state 0A is LISTEN).
    static func listeningInodes() -> [Int: String] {
        // /proc files report a size of 0: read until the end rather than by the size.
        guard let handle = FileHandle(forReadingAtPath: "/proc/net/tcp") else { return [:] }
        defer { try? handle.close() }
        let table = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
        var result: [Int: String] = [:]
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > 9, fields[3] == "0A", let colon = fields[1].lastIndex(of: ":"),
                let port = Int(fields[1][fields[1].index(after: colon)...], radix: 16)
            else { continue }
            result[port] = String(fields[9])
        }
        return result
    }

    /// The inodes of the sockets `pid` has open (`socket:[N]` links in /proc/PID/fd).
    static func socketInodes(of pid: Int32) -> Set<String> {
        let directory = "/proc/\(pid)/fd"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var inodes = Set<String>()
        for entry in entries {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: directory + "/" + entry),
                target.hasPrefix("socket:[")
            else { continue }
            inodes.insert(String(target.dropFirst("socket:[".count).dropLast()))
        }
        return inodes
    }
}
