import GatehouseCore
import Logging

/// The outbound HTTP client: libcurl's multi interface driven by one dedicated thread.
///
/// ```swift
/// let transport = CurlTransport(logger: logger)
/// let response = try await transport.send(UpstreamRequest(method: .get, url: "http://127.0.0.1:9100/echo"))
/// for try await chunk in response.body { ... }
/// transport.shutdown()
/// ```
///
/// Swift tasks never block on I/O: `send` hands the transfer to the curl thread and suspends
/// until the response head is in. Bodies stream both ways through ``ByteStream``s with
/// back-pressure (curl pauses a transfer whose reader is behind). Connections are kept alive and
/// reused through the multi handle's cache; HTTP/2 is used when a TLS upstream offers it. TLS
/// verification is always on, `.netrc` and environment proxies are ignored, redirects are never
/// followed here (``UpstreamClient`` decides), and CR/LF/NUL in the URL or a header is refused
/// before anything is sent. Answers are read through ``ResponseHeadParser``: a bad status line or
/// a head over `TransportOptions.maxResponseHeaders` / `maxResponseHeaderBytes` fails the call
/// with ``TransportError/Kind/invalidResponse``, so no caller ever sees such a status.
public final class CurlTransport: UpstreamTransport {
    let loop: CurlLoop

    /// Starts the curl thread. `systemTrust` is where the system's trusted CAs are (libcurl's
    /// built-in defaults unless a test points elsewhere); see ``SystemTrust``.
    public init(logger: Logger, systemTrust: SystemTrust = .libcurlDefaults) {
        self.loop = CurlLoop(logger: logger, systemTrust: systemTrust)
    }

    public func send(_ request: UpstreamRequest) async throws -> UpstreamResponse {
        try Self.validate(request)
        let transfer = try CurlTransfer(request: request, loop: self.loop)
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                transfer.start(continuation)
            }
        } onCancel: {
            transfer.cancel()
        }
    }

    /// Fails every transfer in progress with `.shutdown` and stops the curl thread. Idempotent.
    public func shutdown() {
        self.loop.shutdown()
    }

    deinit {
        self.loop.shutdown()
    }

    /// Refuses CR, LF and NUL anywhere in the URL or headers, before anything is sent.
    /// The bytes are scanned in place (`withUTF8`): `String.UTF8View`'s iterator costs about
    /// twenty instructions a byte, and every proxied request's URL and headers pass here.
    static func validate(_ request: UpstreamRequest) throws {
        func all(_ text: String, _ accept: (UInt8) -> Bool) -> Bool {
            var text = text
            return text.withUTF8 { bytes in
                for byte in bytes where !accept(byte) { return false }
                return true
            }
        }
        func clean(_ text: String) -> Bool { all(text) { $0 != 0x0D && $0 != 0x0A && $0 != 0x00 } }
        // No byte at or below space, nor DEL: CR, LF and NUL included.
        guard all(request.url, { $0 > 0x20 && $0 != 0x7F }) else {
            throw TransportError(.invalidRequest, "the URL contains whitespace or control characters")
        }
        for field in request.headers where !clean(field.name.rawName) || !clean(field.value) {
            throw TransportError(.invalidRequest, "header \(field.name.canonicalName) contains CR, LF or NUL")
        }
        guard request.url.hasPrefix("http://") || request.url.hasPrefix("https://") else {
            throw TransportError(.invalidRequest, "only http and https URLs are sent")
        }
    }
}
