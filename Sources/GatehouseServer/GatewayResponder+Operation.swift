import GatehouseCore
import GatehouseXML
import HTTPTypes
import Hummingbird
import NIOCore

extension GatewayResponder {
    /// `POST /v1/{connection}/{operation}`: JSON or XML arguments in (by `Content-Type`), the
    /// uniform envelope out as JSON, or as XML (root `response`) when `Accept` asks for XML.
    func operation(_ request: Request, connection name: String, operation: String, access: inout AccessRecord)
        async throws -> Response
    {
        let principal = try await self.authenticate(request, access: &access)
        let connection = try self.gateway.connection(name, for: principal)
        guard request.method == .post else {
            throw GatewayError.methodNotAllowed("operations are called with POST", allow: "POST", connection: name)
        }
        try self.admit(principal, to: connection, access: &access)
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
        var form = OperationCall.Form.json
        if body.readableBytes == 0 {
            arguments = .object([:])
        } else {
            if let type = request.headers[.contentType], type.lowercased().contains("xml") {
                // `<arguments>...</arguments>`: the root element's name is not significant.
                form = .xml
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
            envelope = try await connection.perform(OperationCall(name: operation, arguments: arguments, form: form))
        } catch let error as GatewayError {
            throw error.on(connection: name)
        }
        access.upstreamStatus = envelope.upstreamStatus
        if let stream = envelope.stream {
            return try await Self.streamed(stream, connection: name, access: &access)
        }
        let status = try Self.finalStatus(envelope.status, connection: name)
        let answer = envelope.body(connection: name, adapter: connection.adapterName)
        if Self.wantsXML(request.headers[.accept]) {
            do {
                return Response(
                    status: status,
                    headers: [.contentType: "application/xml; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: try XML.serialize(answer, root: "response")))
                )
            } catch {
                throw GatewayError(.internal, "the answer cannot be written as XML: \(error)", connection: name)
            }
        }
        var response = Self.json(answer)
        response.status = status
        return response
    }

    /// Whether the caller's `Accept` prefers XML (names an XML type and no JSON type).
    static func wantsXML(_ accept: String?) -> Bool {
        guard let accept = accept?.lowercased() else { return false }
        return accept.contains("xml") && !accept.contains("json")
    }

    /// A file an operation streams (K2's `formation.download`), with its type and name.
    static func streamed(_ upstream: UpstreamResponse, connection: String, access: inout AccessRecord) async throws
        -> Response
    {
        let status: HTTPResponse.Status
        do {
            status = try Self.finalStatus(upstream.status, connection: connection)
        } catch {
            upstream.body.cancel()
            throw error
        }
        var headers = HTTPFields()
        if let type = upstream.headers[.contentType] { headers[.contentType] = type }
        if let disposition = HTTPField.Name("Content-Disposition"), let value = upstream.headers[disposition] {
            headers[disposition] = value
        }
        // Content-Length only as parsed: Hummingbird writes it from the body's length, so a
        // malformed one (`-1`, `5, 5`, 20 digits) is never passed on; the file then streams chunked.
        let body = try await Self.relay(
            upstream, contentLength: ContentLength.parse(upstream.headers.value(for: .contentLength)))
        access.streamed = true
        return Response(status: status, headers: headers, body: body)
    }
}
