import GatehouseCore
import GatehouseSimulation
import HTTPTypes
import Hummingbird
import NIOCore

/// The echo upstream's route table.
enum EchoRoutes {
    static func respond(to request: Request, peerPort: Int, recorder: RequestRecorder) async throws -> Response {
        let path = request.uri.path
        var bodyBytes = 0
        var kept: [UInt8]? = []
        for try await chunk in request.body {
            bodyBytes += chunk.readableBytes
            if bodyBytes <= SimulatorHTTP.maxBodyBytes {
                kept?.append(contentsOf: chunk.readableBytesView)
            } else {
                kept = nil
            }
        }
        let headers = request.headers.map { (name: $0.name.rawName, value: $0.value) }
        recorder.record(
            .init(
                method: request.method.rawValue, path: path, query: request.uri.query, headers: headers,
                bodyBytes: bodyBytes, peerPort: peerPort, body: kept)
        )
        // `/echo/...` is the demo's base path: `/echo/status/418` is `/status/418`.
        var segments = path.split(separator: "/")[...]
        if segments.first == "echo" { segments = segments.dropFirst() }
        let parameters = request.uri.queryParameters
        switch segments.first {
        case "status":
            let code = segments.count > 1 ? Int(segments[segments.startIndex + 1]) ?? 200 : 200
            return Self.json(["status": .int(code)], status: .init(code: code))
        case "bytes":
            let count = segments.count > 1 ? Int(segments[segments.startIndex + 1]) ?? 0 : 0
            return Self.bytes(count)
        case "stall":
            let milliseconds = parameters["ms"].flatMap { Int($0) } ?? 60_000
            try await Task.sleep(for: .milliseconds(milliseconds))
            return Self.json(["stalled_ms": .int(milliseconds)])
        case "redirect":
            let target = parameters["to"].map(String.init) ?? "/echo/redirected"
            return Response(
                status: .found, headers: [.location: target], body: .init(byteBuffer: ByteBuffer(string: "moved")))
        case "sms":
            guard request.method == .post else {
                return Self.json(["error": "POST a JSON {to, text}"], status: .methodNotAllowed)
            }
            let message = (try? JSON.parse(kept ?? [])) ?? .null
            guard let to = message["to"]?.stringValue, let text = message["text"]?.stringValue else {
                return Self.json(["error": "body must be {\"to\": \"...\", \"text\": \"...\"}"], status: .badRequest)
            }
            return Self.json(["queued": true, "to": .string(to), "characters": .int(text.count)])
        default:
            var headerObject = Value.Object()
            for (name, value) in headers { headerObject.members.append(.init(name.lowercased(), .string(value))) }
            var answer: Value.Object = [
                "method": .string(request.method.rawValue),
                "path": .string(path),
                "query": request.uri.query.map(Value.string) ?? .null,
                "headers": .object(headerObject),
                "body_bytes": .int(bodyBytes),
            ]
            if let kept { answer["body"] = .string(String(decoding: kept, as: UTF8.self)) }
            var response = Self.json(.object(answer))
            response.headers[HTTPField.Name("X-Echo")!] = "1"
            return response
        }
    }

    static func json(_ value: Value, status: HTTPResponse.Status = .ok) -> Response {
        SimulatorHTTP.json(value, status: status.code)
    }

    /// Streams `count` bytes in 64 KiB chunks without holding them all.
    static func bytes(_ count: Int) -> Response {
        let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: 64 * 1024)
        return Response(
            status: .ok,
            headers: [.contentType: "application/octet-stream"],
            body: ResponseBody(contentLength: count) { writer in
                var remaining = count
                while remaining > 0 {
                    let size = min(remaining, chunk.readableBytes)
                    try await writer.write(chunk.getSlice(at: 0, length: size)!)
                    remaining -= size
                }
                try await writer.finish(nil)
            }
        )
    }
}
