import Foundation
import Synchronization

/// A raw-socket upstream on a free loopback port that answers each connection with scripted
/// bytes: broken status lines, oversized heads, truncated bodies, resets. Nothing about it is
/// valid HTTP unless the script is.
///
/// ```swift
/// let upstream = try HostileUpstream.start { path in
///     path == "/bad" ? .init([.send("HTTP/1.1 1000 X\r\n\r\n")]) : .ok("fine")
/// }
/// defer { upstream.stop() }
/// ```
///
/// Each connection: the request head (and a `Content-Length` body) is read, the script's steps
/// run, then the socket is closed, or reset (RST, via `SO_LINGER` 0). One connection at a time,
/// on one thread.
public final class HostileUpstream: Sendable {
    /// What to do on one connection.
    public struct Script: Sendable {
        /// One step of an answer.
        public enum Step: Sendable {
            /// Writes these bytes.
            case send([UInt8])
            /// Waits this long (lets the peer read what was sent before a reset).
            case pause(milliseconds: Int)
            /// Reads the next request on the same (kept-alive) connection, recording its path.
            case awaitRequest
        }

        /// How the connection ends after the steps.
        public enum Ending: Sendable {
            /// An orderly close (FIN).
            case close
            /// An abortive close (RST).
            case reset
        }

        public var steps: [Step]
        public var ending: Ending

        /// A script of `steps`, then `ending`.
        public init(_ steps: [Step], ending: Ending = .close) {
            self.steps = steps
            self.ending = ending
        }

        /// A valid `200` answer with `body` (text/plain, Content-Length).
        public static func ok(_ body: String) -> Script {
            Script([
                .send(
                    """
                    HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \
                    \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)
                    """
                )
            ])
        }
    }

    /// The port it listens on.
    public let port: Int
    private let listener: Int32
    private let stopped = Atomic<Bool>(false)
    private let exited = DispatchSemaphore(value: 0)
    private let paths = Mutex<[String]>([])

    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { "http://127.0.0.1:\(self.port)" }

    /// The request paths seen so far, in order.
    public var seenPaths: [String] { self.paths.withLock { $0 } }

    private init(listener: Int32, port: Int) {
        self.listener = listener
        self.port = port
    }

    /// Starts listening; `script` chooses each connection's answer from the request path.
    public static func start(_ script: @escaping @Sendable (_ path: String) -> Script) throws -> HostileUpstream {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw GatewayProcessError(message: "socket() failed: \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw -> Bool in
                bind(fd, raw, length) == 0 && listen(fd, 64) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw GatewayProcessError(message: "could not listen on 127.0.0.1: \(errno)")
        }
        let upstream = HostileUpstream(listener: fd, port: Int(UInt16(bigEndian: address.sin_port)))
        let thread = Thread { upstream.run(script) }
        thread.name = "hostile-upstream"
        thread.start()
        return upstream
    }

    /// Stops accepting, closes the listener and waits for the thread. Idempotent.
    public func stop() {
        guard !self.stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        self.exited.wait()
        close(self.listener)
    }

    private func run(_ script: @Sendable (String) -> Script) {
        defer { self.exited.signal() }
        while !self.stopped.load(ordering: .acquiring) {
            var poller = pollfd(fd: self.listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let connection = accept(self.listener, nil, nil)
            guard connection >= 0 else { continue }
            self.serve(connection, script: script)
        }
    }

    private func serve(_ connection: Int32, script: @Sendable (String) -> Script) {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let path = Self.readRequest(connection)
        self.paths.withLock { $0.append(path) }
        let answer = script(path)
        for step in answer.steps {
            switch step {
            case .send(let bytes):
                var offset = 0
                while offset < bytes.count {
                    let sent = bytes[offset...].withUnsafeBytes {
                        send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                    }
                    guard sent > 0 else { break }
                    offset += sent
                }
            case .pause(let milliseconds):
                usleep(UInt32(milliseconds) * 1000)
            case .awaitRequest:
                let next = Self.readRequest(connection)
                self.paths.withLock { $0.append(next) }
            }
        }
        if answer.ending == .reset {
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(connection, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        } else {
            // The whole request was read, so this close is a FIN, never a RST.
            shutdown(connection, Int32(SHUT_WR))
        }
        close(connection)
    }

    /// Reads the request head and a `Content-Length` body; returns the request path.
    private static func readRequest(_ connection: Int32) -> String {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        let terminator: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]
        var headEnd: Int?
        while headEnd == nil, received.count < 1 << 20 {
            let count = recv(connection, &chunk, chunk.count, 0)
            guard count > 0 else { break }
            received += chunk[0..<count]
            headEnd = received.indices.dropLast(3).first { received[$0..<$0 + 4].elementsEqual(terminator) }
        }
        guard let headEnd else { return "" }
        let head = String(decoding: received[..<headEnd], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        var declared = 0
        var chunked = false
        for line in lines.dropFirst() {
            let lower = line.lowercased()
            if lower.hasPrefix("content-length:") {
                declared = Int(lower.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
            } else if lower.hasPrefix("transfer-encoding:"), lower.contains("chunked") {
                chunked = true
            }
        }
        let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)
        while chunked, !received.suffix(5).elementsEqual(lastChunk), received.count < 1 << 24 {
            let count = recv(connection, &chunk, chunk.count, 0)
            guard count > 0 else { break }
            received += chunk[0..<count]
        }
        var remaining = max(0, min(declared, 1 << 24) - (received.count - headEnd - 4))
        while remaining > 0 {
            let count = recv(connection, &chunk, min(chunk.count, remaining), 0)
            guard count > 0 else { break }
            remaining -= count
        }
        let target = lines.first?.split(separator: " ").dropFirst().first.map(String.init) ?? ""
        return String(target.prefix { $0 != "?" })
    }
}

extension HostileUpstream.Script.Step {
    /// Writes `text` as UTF-8.
    public static func send(_ text: String) -> Self { .send(Array(text.utf8)) }
}
