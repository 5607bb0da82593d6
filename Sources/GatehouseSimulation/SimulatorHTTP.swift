import GatehouseCore
import HTTPTypes
import Hummingbird
import NIOCore

/// The request and response helpers every simulator uses: JSON answers and bodies read with
/// one size cap.
public enum SimulatorHTTP {
    /// Largest request body a simulator reads (1 MiB); a larger one is answered 413.
    public static let maxBodyBytes = 1 << 20

    /// The request body, at most ``maxBodyBytes``; throws ``SimulatorHTTP/TooLarge`` beyond it.
    public static func body(of request: Request) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in request.body {
            guard bytes.count + chunk.readableBytes <= Self.maxBodyBytes else { throw TooLarge() }
            bytes.append(contentsOf: chunk.readableBytesView)
        }
        return bytes
    }

    /// The request body parsed as JSON; `null` when empty or not JSON.
    public static func json(of request: Request) async throws -> Value {
        (try? JSON.parse(try await Self.body(of: request))) ?? .null
    }

    /// A JSON answer.
    public static func json(_ value: Value, status: Int = 200) -> Response {
        Self.text(JSON.serialize(value), status: status, contentType: "application/json; charset=utf-8")
    }

    /// A text answer of `contentType`.
    public static func text(_ text: String, status: Int = 200, contentType: String = "text/plain; charset=utf-8")
        -> Response
    {
        Response(
            status: .init(code: status), headers: [.contentType: contentType],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A request body over ``maxBodyBytes``.
    public struct TooLarge: Error {}
}
