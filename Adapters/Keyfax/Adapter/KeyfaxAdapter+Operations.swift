import GatehouseCore
import HTTPTypes
import GatehouseXML
import NIOCore

extension KeyfaxAdapter {
    /// `startup.example`: Keyfax's example start-up data.
    func startupExample() async throws -> Envelope {
        let (status, body, xml) = try await self.call(.get, "/api/v1/startup", body: nil)
        return try self.answer(status: status, body: body, xml: xml, doing: "read example start-up data")
    }

    /// `startup`: starts a session with the caller's start-up data.
    func startup(_ arguments: Value) async throws -> Envelope {
        let (status, body, xml) = try await self.call(
            .post, "/api/v1/startup", body: arguments, xmlRoot: self.configuration.startupXMLRoot,
            xmlField: self.configuration.startupXML == .field ? "startUpXml" : nil)
        // XML launch data arrives as <LaunchData>...: the envelope carries its content, as in JSON.
        return try self.answer(status: status, body: body, xml: xml, doing: "start a session", unwrapRoot: true)
    }

    /// `results`: a session's results, or 202 pending while it is not finished.
    func results(_ arguments: Value) async throws -> Envelope {
        guard let company = arguments["company"]?.stringValue, let guid = arguments["guid"]?.stringValue,
            !company.isEmpty, !guid.isEmpty
        else {
            throw GatewayError(.badRequest, "results takes {\"company\", \"guid\"} from the start-up answer")
        }
        var request: Value.Object = ["company": .string(company), "guid": .string(guid)]
        if let launchURL = arguments["launchUrl"]?.stringValue { request["launchUrl"] = .string(launchURL) }
        let (status, body, xml) = try await self.call(
            .post, "/api/v1/results", body: .object(request), xmlRoot: self.configuration.resultsXMLRoot)
        if status == 202 || status == 422 {
            // Not ready yet: an answer, not a failure.
            var meta: Value.Object = ["state": "pending", "upstream_status": .int(status)]
            meta["detail"] = KeyfaxErrors.message(body).map(Value.string) ?? .null
            return Envelope(data: .null, meta: meta, status: 202, upstreamStatus: status)
        }
        var envelope = try self.answer(status: status, body: body, xml: xml, doing: "read results")
        envelope.meta["state"] = .string(Self.finishedState(envelope.data))
        return envelope
    }

    /// `client_token`: a short-lived token for Keyfax's client-side script.
    func clientTokenEnvelope() async throws -> Envelope {
        let token = try await self.clientToken()
        return Envelope(
            data: [
                "token": .string(token.value), "host": .string(self.configuration.hostName),
                "expires_at": .string(token.expiresAt.iso8601),
            ],
            upstreamStatus: 200
        )
    }

    /// Whether finished results say the session was `completed` or `cancelled`: seed 000's
    /// completed example carries `"Status": "1"`; Gatehouse reads `"0"` as cancelled, and without
    /// a Status a session with a `Call` as completed (README "Results").
    static func finishedState(_ data: Value) -> String {
        let results = data["KeyfaxData"] ?? data
        switch results["Status"]?.stringValue?.filter({ !$0.isWhitespace }) {
        case "1": return "completed"
        case "0": return "cancelled"
        default: return results["Call"] == nil ? "cancelled" : "completed"
        }
    }

    /// One call to the Keyfax Web API with the connection's scheme, in the connection's format
    /// (`format: xml` sends `body` as the document element `xmlRoot` and asks for XML back; with
    /// `xmlField` the document travels as that string field of a JSON body, seed 001's `startUpXml`).
    /// Returns the status, the body and whether the answer is XML.
    func call(
        _ method: HTTPRequest.Method, _ path: String, body: Value?, xmlRoot: String? = nil, xmlField: String? = nil
    ) async throws -> (Int, [UInt8], Bool) {
        let xml = self.configuration.format == .xml && xmlRoot != nil
        var headers: HTTPFields = [.accept: xml ? "application/xml" : "application/json"]
        var upstreamBody = UpstreamBody.empty
        if let body {
            if xml, let xmlRoot {
                let document: String
                do {
                    document = try XML.serialize(body, root: xmlRoot)
                } catch {
                    throw GatewayError(
                        .badRequest, "the arguments cannot be written as XML for Keyfax: \(error)",
                        connection: self.connection)
                }
                if let xmlField {
                    headers[.contentType] = "application/json"
                    upstreamBody = .bytes(ByteBuffer(bytes: JSON.serializeBytes([xmlField: .string(document)])))
                } else {
                    headers[.contentType] = "application/xml; charset=utf-8"
                    upstreamBody = .bytes(ByteBuffer(string: document))
                }
            } else {
                headers[.contentType] = "application/json"
                upstreamBody = .bytes(ByteBuffer(bytes: JSON.serializeBytes(body)))
            }
        }
        let response = try await self.send(
            UpstreamRequest(
                method: method, url: self.client.url(path: path, query: nil), headers: headers, body: upstreamBody))
        let answeredXML = (response.headers[.contentType] ?? "").lowercased().contains("xml")
        do {
            var buffer = try await response.collectBody(upTo: self.client.maxResponseBytes)
            return (response.status, buffer.readBytes(length: buffer.readableBytes) ?? [], answeredXML)
        } catch let error as TransportError {
            throw GatewayError(error, connection: self.connection)
        }
    }

    private func answer(status: Int, body: [UInt8], xml: Bool, doing what: String, unwrapRoot: Bool = false) throws
        -> Envelope
    {
        guard (200..<300).contains(status) else {
            throw KeyfaxErrors.upstream(status: status, body: body, doing: what, connection: self.connection)
        }
        if xml {
            guard let document = try? XML.parse(body) else {
                throw GatewayError(
                    .upstreamError, "Keyfax answered malformed XML while trying to \(what)",
                    connection: self.connection, upstreamStatus: status)
            }
            let data = unwrapRoot ? (document.objectValue?.members.first?.value ?? .null) : document
            return Envelope(data: data, upstreamStatus: status)
        }
        guard let value = try? JSON.parse(body) else {
            throw GatewayError(
                .upstreamError, "Keyfax answered something that is not JSON while trying to \(what)",
                connection: self.connection, upstreamStatus: status)
        }
        return Envelope(data: value, upstreamStatus: status)
    }
}
