import GatehouseCore
import GatehouseXML
import HTTPTypes
import Hummingbird
import NIOCore

extension GatewayResponder {
    /// `POST /v1/{connection}/{operation}`: JSON or XML arguments in (by `Content-Type`), the
    /// uniform envelope out as JSON, or as XML (root `response`) when `Accept` asks for XML.
    func operation(_ request: Request, connection name: String, operation: String, exchange: inout Exchange) async throws -> Response {
        let principal = try await self.authenticate(request, exchange: &exchange)
        let connection = try self.gateway.connection(name, for: principal)
        guard request.method == .post else {
            throw GatewayError(.methodNotAllowed, "operations are called with POST", connection: name)
        }
        // Arguments are read whole and parsed into a tree: their own cap, well below the one
        // for streamed proxy bodies. A declared length over it is refused before reading.
        let limit = self.maxOperationBodyBytes
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw GatewayError(.payloadTooLarge, "operation bodies are limited to \(limit) bytes", connection: name)
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: limit)
        } catch {
            throw GatewayError(.payloadTooLarge, "operation bodies are limited to \(limit) bytes", connection: name)
        }
        let arguments: Value
        if body.readableBytes == 0 {
            arguments = .object([:])
        } else {
            if let type = request.headers[.contentType], type.lowercased().contains("xml") {
                // `<arguments>...</arguments>`: the root element's name is not significant.
                do {
                    let document = try XML.parse(body.readableBytesView)
                    arguments = document.objectValue?.members.first?.value ?? .null
                } catch {
                    throw GatewayError(.badRequest, "the arguments are not acceptable XML: \(error)", connection: name)
                }
            } else {
                do {
                    arguments = try JSON.parse(body.readableBytesView)
                } catch {
                    throw GatewayError(.badRequest, "the arguments are not valid JSON: \(error)", connection: name)
                }
            }
        }
        let envelope: Envelope
        do {
            envelope = try await connection.adapter.perform(OperationCall(name: operation, arguments: arguments))
        } catch let error as GatewayError {
            throw error.on(connection: name)
        }
        exchange.upstreamStatus = envelope.upstreamStatus
        if let stream = envelope.stream {
            return Self.streamed(stream, exchange: &exchange)
        }
        let answer = envelope.body(connection: name, adapter: connection.adapterName)
        if Self.wantsXML(request.headers[.accept]) {
            do {
                return Response(
                    status: HTTPResponse.Status(code: envelope.status),
                    headers: [.contentType: "application/xml; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: try XML.serialize(answer, root: "response")))
                )
            } catch {
                throw GatewayError(.internal, "the answer cannot be written as XML: \(error)", connection: name)
            }
        }
        return Self.json(answer, status: envelope.status)
    }

    /// Whether the caller's `Accept` prefers XML (names an XML type and no JSON type).
    static func wantsXML(_ accept: String?) -> Bool {
        guard let accept = accept?.lowercased() else { return false }
        return accept.contains("xml") && !accept.contains("json")
    }

    /// A file an operation streams (K2's `formation.download`), with its type and name.
    static func streamed(_ upstream: UpstreamResponse, exchange: inout Exchange) -> Response {
        var headers = HTTPFields()
        for name in [HTTPField.Name.contentType, .contentLength] { if let value = upstream.headers[name] { headers[name] = value } }
        if let disposition = HTTPField.Name("Content-Disposition"), let value = upstream.headers[disposition] { headers[disposition] = value }
        exchange.streamed = true
        return Response(
            status: .init(code: upstream.status),
            headers: headers,
            body: ResponseBody(contentLength: upstream.headers[.contentLength].flatMap { Int($0) }) { writer in
                do {
                    for try await chunk in upstream.body { try await writer.write(chunk) }
                    try await writer.finish(nil)
                } catch {
                    upstream.body.cancel()
                    throw error
                }
            }
        )
    }
}
