import GatehouseCore
import HTTPTypes
import Hummingbird
import NIOCore

extension GatewayResponder {
    /// `POST /v1/{connection}/{operation}`: JSON arguments in, the uniform envelope out.
    func operation(_ request: Request, connection name: String, operation: String, exchange: inout Exchange) async throws -> Response {
        let principal = try await self.authenticate(request, exchange: &exchange)
        let connection = try self.gateway.connection(name, for: principal)
        guard request.method == .post else {
            throw GatewayError(.methodNotAllowed, "operations are called with POST", connection: name)
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: self.maxBodyBytes)
        } catch {
            throw GatewayError(.payloadTooLarge, "the request body exceeds \(self.maxBodyBytes) bytes", connection: name)
        }
        let arguments: Value
        if body.readableBytes == 0 {
            arguments = .object([:])
        } else {
            if let type = request.headers[.contentType], type.lowercased().contains("xml") {
                throw GatewayError(.badRequest, "this connection takes its arguments as JSON", connection: name)
            }
            do {
                arguments = try JSON.parse(body.readableBytesView)
            } catch {
                throw GatewayError(.badRequest, "the arguments are not valid JSON: \(error)", connection: name)
            }
        }
        let envelope: Envelope
        do {
            envelope = try await connection.adapter.perform(OperationCall(name: operation, arguments: arguments))
        } catch let error as GatewayError {
            throw error.on(connection: name)
        }
        exchange.upstreamStatus = envelope.upstreamStatus
        return Self.json(envelope.body(connection: name, adapter: connection.adapterName), status: envelope.status)
    }
}
