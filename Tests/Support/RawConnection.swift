import Foundation

/// A raw TCP client on loopback, for tests about what a server does with slow, silent or
/// surplus connections (no HTTP library in between).
public final class RawConnection: @unchecked Sendable {
    // @unchecked: one test uses a connection from one task at a time; the descriptor is only
    // touched by these calls.
    let fd: Int32
    private var closedByUs = false

    /// Connects to `127.0.0.1:port`.
    public init(port: Int) throws {
        self.fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard self.fd >= 0 else { throw GatewayProcessError(message: "socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(self.fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            Glibc.close(self.fd)
            throw GatewayProcessError(message: "connect() to port \(port) failed")
        }
    }

    private init(fd: Int32) { self.fd = fd }

    /// A bound, listening socket on a free port (closed by the caller), for a port that then refuses.
    public static func listener() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard fd >= 0, bound else { throw GatewayProcessError(message: "could not bind a loopback port") }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// Writes all of `text`.
    public func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes {
                Glibc.send(self.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard n > 0 else { throw GatewayProcessError(message: "send() failed") }
            sent += n
        }
    }

    /// Reads until the peer closes or `seconds` pass without it; what was read and whether it closed.
    public func readUntilClosed(seconds: Int) -> (text: String, closed: Bool) {
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + .seconds(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            var poller = pollfd(fd: self.fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 100)
            if ready < 0 { return (String(decoding: received, as: UTF8.self), true) }
            if ready == 0 { continue }
            let n = buffer.withUnsafeMutableBytes { recv(self.fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return (String(decoding: received, as: UTF8.self), true) }
            received.append(contentsOf: buffer[0..<n])
            // A complete small answer: stop waiting once its Content-Length is in.
            if let text = String(bytes: received, encoding: .utf8), let end = text.range(of: "\r\n\r\n"),
                let length = text[..<end.lowerBound].split(separator: "\r\n").first(where: {
                    $0.lowercased().hasPrefix("content-length:")
                })
                .flatMap({ Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) }),
                text.utf8.count - text[..<end.upperBound].utf8.count >= length
            {
                return (text, false)
            }
        }
        return (String(decoding: received, as: UTF8.self), false)
    }

    /// Reads until `count` complete answers (each with a `Content-Length`) are in, the peer
    /// closes, or `seconds` pass; the answers read whole, in order, and whether it closed.
    public func readAnswers(_ count: Int, seconds: Int) -> (answers: [String], closed: Bool) {
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + .seconds(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        var closed = false
        while ContinuousClock.now < deadline, Self.split(received).count < count {
            var poller = pollfd(fd: self.fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 100)
            if ready < 0 { closed = true; break }
            if ready == 0 { continue }
            let n = buffer.withUnsafeMutableBytes { recv(self.fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { closed = true; break }
            received.append(contentsOf: buffer[0..<n])
        }
        return (Self.split(received), closed)
    }

    /// The complete answers at the start of `bytes` (head and `Content-Length` body each).
    private static func split(_ bytes: [UInt8]) -> [String] {
        var answers: [String] = []
        var rest = bytes[...]
        let blank = Array("\r\n\r\n".utf8)
        while let end = rest.indices.first(where: { rest[$0...].starts(with: blank) }) {
            let head = String(decoding: rest[..<end], as: UTF8.self)
            let length =
                head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) } ?? 0
            let bodyStart = end + blank.count
            guard rest.endIndex - bodyStart >= length else { break }
            answers.append(String(decoding: rest[rest.startIndex..<bodyStart + length], as: UTF8.self))
            rest = rest[(bodyStart + length)...]
        }
        return answers
    }

    /// Closes the connection (once).
    public func close() {
        guard !self.closedByUs else { return }
        self.closedByUs = true
        Glibc.close(self.fd)
    }

    deinit { self.close() }
}
