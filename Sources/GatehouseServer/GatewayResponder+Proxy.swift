import GatehouseCore
import HTTPTypes
import Hummingbird
import NIOCore

extension GatewayResponder {
    /// Answers up to this size (with a Content-Length) are buffered rather than streamed.
    static let smallBodyBytes = 64 * 1024

    /// `ANY /proxy/{connection}/{path...}`: streamed both ways, inbound credentials stripped.
    nonisolated(nonsending) func proxy(
        _ request: Request, connection name: String, path: String, access: inout AccessRecord
    ) async throws
        -> Response
    {
        let principal = try await self.authenticate(request, access: &access)
        let connection = try self.gateway.connection(name, for: principal)
        try Self.requireProxiedMethod(request, connection: name)
        guard !GatewayRoute.hasDotSegments(path) else {
            throw GatewayError(.badRequest, "'.' and '..' path segments are not forwarded", connection: name)
        }
        try self.admit(principal, to: connection, access: &access)
        var headers = HeaderPolicy.upstreamHeaders(
            from: request.headers, credentialHeaders: self.gateway.inboundCredentialHeaders)
        headers.set(Self.requestIDField, to: access.requestID)
        self.addForwardedHeaders(to: &headers, access: access)
        let body = try self.upstreamBody(of: request, connection: name)
        let call = ProxyCall(method: request.method, path: path, query: request.uri.query, headers: headers, body: body)
        let upstream: UpstreamResponse
        do {
            upstream = try await connection.proxy(call)
        } catch {
            if case .stream(let stream, _) = body { stream.cancel() }
            throw error
        }
        access.upstreamStatus = upstream.status
        let status: HTTPResponse.Status
        do {
            status = try Self.finalStatus(upstream.status, connection: name)
        } catch {
            upstream.body.cancel()
            throw error
        }
        var responseHeaders = HeaderPolicy.callerHeaders(from: upstream.headers)
        if request.method == .head {
            upstream.body.cancel()
            // A HEAD answer's Content-Length describes the body a GET would get: keep it.
            if let length = ContentLength.parse(upstream.headers.value(for: .contentLength)) {
                responseHeaders[.contentLength] = String(length)
            }
            return Response(status: status, headers: responseHeaders, body: .init())
        }
        let length = ContentLength.parse(upstream.headers.value(for: .contentLength))
        if let length, length <= Self.smallBodyBytes {
            // Small answers of known size are read whole and written in one go: one write and
            // flush instead of three, and no streaming machinery. Large ones stream. A body
            // that breaks before its end is a 502: nothing was sent yet.
            // Usually the whole body is one chunk (curl's read of the answer): that buffer is
            // the answer's, with no copy.
            var body = try await upstream.body.next() ?? ByteBuffer()
            while var chunk = try await upstream.body.next() {
                body.writeBuffer(&chunk)
            }
            return Response(status: status, headers: responseHeaders, body: .init(byteBuffer: body))
        }
        let relayed = try await Self.relay(upstream, contentLength: length)
        access.streamed = true
        return Response(status: status, headers: responseHeaders, body: relayed)
    }

    /// A streamed answer's body. The first chunk is awaited here, so an upstream that breaks
    /// before sending any body byte is still a 502; one that breaks later cuts the caller's
    /// connection (short of its Content-Length, or without the last chunk), so the caller
    /// never takes a truncated body for a complete one.
    static func relay(_ upstream: UpstreamResponse, contentLength: Int?) async throws -> ResponseBody {
        let first: ByteBuffer?
        do {
            first = try await upstream.body.next()
        } catch {
            upstream.body.cancel()
            throw error
        }
        guard let first else {
            return ResponseBody(contentLength: contentLength) { writer in try await writer.finish(nil) }
        }
        return ResponseBody(contentLength: contentLength) { writer in
            do {
                try await writer.write(first)
                for try await chunk in upstream.body {
                    try await writer.write(chunk)
                }
                try await writer.finish(nil)
            } catch {
                // The caller went away or the upstream broke mid-body: stop the transfer and
                // let the error close the caller's connection.
                upstream.body.cancel()
                throw error
            }
        }
    }

    /// The request body as an upstream body: empty, or streamed with back-pressure and the
    /// `server.max_body_bytes` cap.
    func upstreamBody(of request: Request, connection: String) throws -> UpstreamBody {
        let declared = ContentLength.parse(request.headers.value(for: .contentLength))
        if declared == nil, request.headers.contains(.contentLength) {
            throw GatewayError(
                .badRequest, "the Content-Length header is not a length (1 to 18 digits)", connection: connection)
        }
        let chunked = request.headers.contains(.transferEncoding)
        if let declared, declared > self.maxBodyBytes {
            throw GatewayError(
                .payloadTooLarge, "the request body exceeds \(self.maxBodyBytes) bytes", connection: connection)
        }
        if (declared ?? 0) == 0 && !chunked { return .empty }
        let stream = ByteStream()
        let limit = self.maxBodyBytes
        // Unstructured on purpose: the pump must outlive this handler while the upstream reads
        // the body; it ends when the body ends, fails, or the stream is cancelled.
        Task {
            var total = 0
            do {
                for try await chunk in request.body {
                    total += chunk.readableBytes
                    if total > limit {
                        stream.fail(
                            GatewayError(
                                .payloadTooLarge, "the request body exceeds \(limit) bytes", connection: connection))
                        return
                    }
                    try await stream.write(chunk)
                }
                stream.finish()
            } catch {
                stream.fail(error)
            }
        }
        return .stream(stream, length: declared)
    }
}
