import Foundation
import GatehouseCore
import GatehouseTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Hostile inbound `Content-Length` values, sent on a raw socket (HTTP clients refuse to):
/// each gets a 400 and nothing reaches the upstream; the same process serves the next request.
@Suite(.timeLimit(.minutes(2))) struct ContentLengthTests {
    /// Sends `request` to 127.0.0.1:`port` and returns what comes back until the server closes
    /// or 10 s pass.
    static func raw(port: Int, _ request: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw GatewayProcessError(message: "socket() failed") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw GatewayProcessError(message: "connect() failed") }
        let bytes = Array(request.utf8)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            answer += buffer[0..<count]
            if answer.count > 1 << 20 { break }
        }
        return String(decoding: answer, as: UTF8.self)
    }

    @Test func hostileContentLengthsAre400AndTheProcessServesOn() async throws {
        let h = try await Harness.start()
        do {
            for length in ["-5", "9223372036854775807", "99999999999999999999", "1.5", "abc", "+5", "5, 6"] {
                let request =
                    "POST /proxy/echo/x HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(h.key)\r\n"
                    + "Content-Length: \(length)\r\nConnection: close\r\n\r\nhello"
                let answer = try Self.raw(port: h.gateway.port, request)
                let status = answer.split(separator: " ", maxSplits: 2).dropFirst().first.map(String.init)
                #expect(status == "400", "Content-Length: \(length) → \(answer.prefix(200))")
                #expect(
                    try await h.client.send(.get, h.url("/healthz")).status == 200, "after Content-Length: \(length)")
            }
            #expect(h.echo.recorder.all.isEmpty, "a request with a hostile Content-Length reached the upstream")
            #expect(
                try await h.client.send(.post, h.url("/proxy/echo/x"), headers: h.auth, body: Array("fine".utf8)).status
                    == 200)
            #expect(h.gateway.isRunning)
        } catch {
            await h.finish()
            throw error
        }
        await h.finish()
    }
}
