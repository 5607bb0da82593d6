import Foundation
import GatehouseCore
import GatehouseXML
import GatehouseSimulation
import HTTPTypes
import Hummingbird
import NIOCore

/// The Keyfax Web API as the seeds and Adapters/Keyfax/README.md describe it, under any base path
/// (`/interview/api/v1/...`, matched case-insensitively as IIS does), plus the launch page and
/// its own control routes under `/_sim/` (the shared ones are ``SimulatorState``'s).
struct KeyfaxRoutes {
    let state: KeyfaxSimulatorState
    let webHook: KeyfaxWebHook

    func respond(to request: Request) async throws -> Response {
        let path = request.uri.path.lowercased()
        if path.hasSuffix("/main.aspx"), request.method == .get { return self.launch(request) }
        guard let range = path.range(of: "/api/v1/") else {
            return Self.json(["message": "No HTTP resource was found that matches the request URI."], status: 404)
        }
        let endpoint = String(path[range.upperBound...])
        let bytes = try await SimulatorHTTP.body(of: request)
        let url = "http://\(request.head.authority ?? "127.0.0.1")\(request.uri.string)"
        let accept = (request.headers[.accept] ?? "").lowercased()
        let wantsXML = accept.contains("xml") && !accept.contains("json")
        do {
            switch (request.method, endpoint) {
            case (.get, "key"): return self.initialKeys(request)
            case (.post, "key"):
                let caller = try self.verify(request, url: url, body: bytes, allowBearer: false)
                return try await self.rotate(caller)
            case (.delete, "key"):
                _ = try self.verify(request, url: url, body: bytes, allowBearer: false)
                return self.deleteKeys(request)
            case (.get, "token"):
                let caller = try self.verify(request, url: url, body: bytes, allowBearer: false)
                return self.token(caller, renewal: false)
            case (.post, "token"):
                // Seed 001: 404 when no active Basic key exists for the host named in the Bearer schema.
                if let host = Self.bearerHost(request), self.state.data.withLock({ $0.hosts[host]?.current == nil }) {
                    return Self.json(
                        [
                            "message": .string(
                                "No active key for the Basic authorization schema exists for host \(host)")
                        ], status: 404)
                }
                let caller = try self.verify(request, url: url, body: bytes, allowBearer: true)
                guard caller.bearer else {
                    return Self.json(["message": "Renewal needs the Bearer schema"], status: 401)
                }
                return self.token(caller, renewal: true)
            case (.get, "startup"):
                _ = try self.verify(request, url: url, body: bytes, allowBearer: true)
                return Self.json(Self.exampleStartup)
            case (.post, "startup"):
                _ = try self.verify(request, url: url, body: bytes, allowBearer: true)
                return self.startup(request, body: bytes, wantsXML: wantsXML)
            case (.post, "results"):
                _ = try self.verify(request, url: url, body: bytes, allowBearer: true)
                return self.results(request, body: bytes, wantsXML: wantsXML)
            default:
                return Self.json(["message": "No HTTP resource was found that matches the request URI."], status: 404)
            }
        } catch let refusal as KeyfaxVerifier.Refusal {
            self.state.data.withLock { $0.stats.rejections.append(refusal.message) }
            return Self.json(["message": .string(refusal.message)], status: 401)
        }
    }

    private func verify(_ request: Request, url: String, body: [UInt8], allowBearer: Bool) throws(KeyfaxVerifier
        .Refusal) -> KeyfaxVerifier.Caller
    {
        try KeyfaxVerifier.verify(
            authorization: request.headers[.authorization],
            method: request.method.rawValue,
            url: url,
            body: body,
            allowBearer: allowBearer,
            state: self.state
        )
    }

    // MARK: Keys

    /// `GET /api/v1/key?hostName=H`: the first keys of a configured host, once.
    private func initialKeys(_ request: Request) -> Response {
        let host = Self.query(request, "hostName") ?? ""
        let keys = KeyfaxSimulatorState.Keys.generate()
        let issued: Bool = self.state.data.withLock { data in
            guard var hostState = data.hosts[host], hostState.current == nil else { return false }
            hostState.current = keys
            data.hosts[host] = hostState
            return true
        }
        guard issued else {
            return Self.json(
                [
                    "message": .string(
                        "Keys already exist for host \(host), or the host is not configured for the Web API")
                ], status: 400)
        }
        return Self.json(
            [
                "apiKey": .string(keys.apiKey), "signingKey": .string(keys.signingKey), "schemaName": "Basic",
                "hostName": .string(host),
            ],
            status: 201
        )
    }

    /// `POST /api/v1/key`: new keys, posted to the host's web hook; the answer carries the API key only.
    private func rotate(_ caller: KeyfaxVerifier.Caller) async throws -> Response {
        let keys = KeyfaxSimulatorState.Keys.generate()
        guard let hookURL = self.state.data.withLock({ $0.webHooks[caller.host] }) else {
            return Self.json(["message": .string("No web hook URL is configured for host \(caller.host)")], status: 500)
        }
        self.state.data.withLock { data in
            data.hosts[caller.host]?.pending = keys
            data.stats.keyRotations += 1
        }
        let delivered = await self.webHook.deliver(
            [
                "apiKey": .string(keys.apiKey), "signingKey": .string(keys.signingKey), "schemaName": "Basic",
                "hostName": .string(caller.host),
            ],
            to: hookURL
        )
        guard delivered else {
            self.state.data.withLock { $0.hosts[caller.host]?.pending = nil }
            return Self.json(["message": "The new keys could not be delivered to the web hook"], status: 500)
        }
        self.state.data.withLock { $0.stats.webHookDeliveries += 1 }
        return Self.json(["apiKey": .string(keys.apiKey)], status: 201)
    }

    /// `DELETE /api/v1/key?hostName=H`: 304 when the host has no keys in the Keyfax database.
    private func deleteKeys(_ request: Request) -> Response {
        let host = Self.query(request, "hostName") ?? ""
        let deleted: Bool = self.state.data.withLock { data in
            guard data.hosts[host]?.current != nil else { return false }
            data.hosts[host] = .init()
            return true
        }
        return deleted ? Self.json([:]) : Response(status: .notModified)
    }

    private func token(_ caller: KeyfaxVerifier.Caller, renewal: Bool) -> Response {
        let now = self.state.now
        let result: (String, Bool)? = self.state.data.withLock { data in
            guard let keys = data.hosts[caller.host]?.current else { return nil }
            if renewal { data.stats.tokensRenewed += 1 } else { data.stats.tokensIssued += 1 }
            return (
                KeyfaxVerifier.issueToken(
                    host: caller.host, keys: keys, now: now, lifetime: self.state.configuration.tokenLifetimeSeconds),
                true
            )
        }
        guard let (token, _) = result else {
            return Self.json(["message": .string("No active key exists for host \(caller.host)")], status: 404)
        }
        return Self.json(["company": .string(self.state.configuration.company), "token": .string(token)])
    }

    // MARK: Start-up and results

    static let exampleStartup: Value = [
        "mode": ["value": "ROL"], "userName": ["value": "administrator"], "company": ["value": "OL3_Dev"],
        "scriptSet": ["value": "ROL"],
        "returnUrl": ["value": "https://hostsystem.com/KeyfaxComplete.aspx?status=0&co=1&guid=2&user=3"],
    ]

    /// `POST /api/v1/startup` takes what the documents allow: a JSON start-up object (seed 000's
    /// examples), seed 001's `startUpXml` string field, or an XML document sent as
    /// `application/xml` (seed 000: "JSON or XML depending on the Accept and Content-Type
    /// headers"). The documents name no root element, so any is read. Anything else is 500.
    private func startup(_ request: Request, body: [UInt8], wantsXML: Bool) -> Response {
        let contentType = (request.headers[.contentType] ?? "").lowercased()
        var company = self.state.configuration.company
        let form: String
        if contentType.contains("xml") {
            guard let document = try? XML.parse(body) else {
                return Self.json(["message": "The start-up data is not valid XML"], status: 500)
            }
            if let value = Self.element("company", in: document) { company = value }
            form = "xml_body:" + (document.objectValue?.members.first?.key ?? "")
        } else if contentType.contains("json") {
            guard case .object(let object) = (try? JSON.parse(body)) ?? .null, !object.members.isEmpty else {
                return Self.json(["message": "The start-up data is not valid"], status: 500)
            }
            if let field = object["startUpXml"] {
                guard let xml = field.stringValue, let document = try? XML.parse(Array(xml.utf8)) else {
                    return Self.json(["message": "startUpXml is not valid XML"], status: 500)
                }
                if let value = Self.element("company", in: document) { company = value }
                form = "startup_xml_field:" + (document.objectValue?.members.first?.key ?? "")
            } else {
                if let value = object["company"]?["value"]?.stringValue { company = value }
                form = "json"
            }
        } else {
            return Self.json(["message": "The start-up data must be sent as JSON or XML (Content-Type)"], status: 500)
        }
        self.state.data.withLock { $0.stats.startupForms.append(form) }
        let guid = KeyfaxSimulatorState.Keys.uuid()
        self.state.data.withLock { $0.sessions[guid] = .init(company: company, state: .created) }
        let launchURL =
            """
            http://\(request.head.authority ?? "127.0.0.1")/interview/InterView/OL3/Main.aspx?co=\(company)&guid=\
            \(guid)
            """
        let launch: Value = ["guid": .string(guid), "launchUrl": .string(launchURL), "company": .string(company)]
        if wantsXML {
            return Self.xml(
                """
                <LaunchData><guid>\(guid)</guid><launchUrl>\(Self.escape(launchURL))</launchUrl><company>\
                \(Self.escape(company))</company></LaunchData>
                """
            )
        }
        return Self.json(launch)
    }

    private func results(_ request: Request, body: [UInt8], wantsXML: Bool) -> Response {
        let guid: String?
        if (request.headers[.contentType] ?? "").lowercased().contains("xml") {
            guard let document = try? XML.parse(body) else {
                return Self.json(["message": "The results request is not valid XML"], status: 500)
            }
            guid = Self.element("guid", in: document)
        } else {
            guid = ((try? JSON.parse(body)) ?? .null)["guid"]?.stringValue
        }
        guard let guid else { return Self.json(["message": "The results request needs company and guid"], status: 500) }
        guard let session = self.state.data.withLock({ $0.sessions[guid] }) else {
            return Self.json(
                ["message": .string("No Keyfax session exists for guid \(guid)"), "status": "unknown"], status: 422)
        }
        switch session.state {
        case .created:
            return Self.json(
                ["message": "The Keyfax session has not been launched yet", "status": "created"], status: 422)
        case .launched:
            return Self.json(
                [
                    "message": "The Keyfax session has been launched but not completed or cancelled",
                    "status": "launched",
                ], status: 202)
        case .cancelled:
            // A cancelled session: the results shape with Status 0 and no Call.
            if wantsXML { return Self.xml("<KeyfaxData><Status>0</Status><GUID>\(guid)</GUID></KeyfaxData>") }
            return Self.json(["KeyfaxData": ["Status": "0", "GUID": .string(guid)]])
        case .completed:
            let status = "1"
            if wantsXML {
                return Self.xml(
                    """
                    <KeyfaxData><Call name=\"Call1\" \
                    type=\"ROL\"><Company>\(Self.escape(session.company))</Company><CategoryText>Baths, Basins, \
                    Sinks</CategoryText>
                    """
                        + """
                        <ScriptPath><![CDATA[html|Where is it? <b>in the bathroom</b>|]]></ScriptPath><Repair \
                        name=\"Repair1\"><RepairCode>SYSS1</RepairCode></Repair>
                        """
                            + """
                            <Repair name=\"Repair2\"><RepairCode>630713</RepairCode></Repair></Call><Status>\(status)</\
                            Status><GUID>\(guid)</GUID></KeyfaxData>
                            """
                )
            }
            let call: Value = [
                "@name": "Call1", "@type": "ROL", "Company": .string(session.company),
                "CategoryText": "Baths, Basins, Sinks",
                "ScriptPath": ["#cdata-section": "html|Where is it? <b>in the bathroom</b>|"],
                "Repair": [
                    ["@name": "Repair1", "RepairCode": "SYSS1"], ["@name": "Repair2", "RepairCode": "630713"],
                ],
            ]
            return Self.json(["KeyfaxData": ["Call": call, "Status": .string(status), "GUID": .string(guid)]])
        }
    }

    /// The launch page a user opens: marks the session launched.
    private func launch(_ request: Request) -> Response {
        let guid = Self.query(request, "guid") ?? ""
        let found: Bool = self.state.data.withLock { data in
            guard data.sessions[guid] != nil else { return false }
            if data.sessions[guid]?.state == .created { data.sessions[guid]?.state = .launched }
            return true
        }
        return Response(
            status: found ? .ok : .notFound,
            headers: [.contentType: "text/html"],
            body: .init(
                byteBuffer: ByteBuffer(
                    string: "<html><body>Keyfax simulator session \(Self.escape(guid))</body></html>"))
        )
    }

    // MARK: Test-only control

    /// The Keyfax simulator's own control routes: `sessions/{guid}/{launch|complete|cancel}`
    /// moves a session on, `webhook {"host", "url"}` points a host's key delivery.
    func control(_ route: String, method: HTTPRequest.Method, body: Value) -> Response? {
        let segments = route.split(separator: "/").map(String.init)
        switch (method, segments.first ?? "") {
        case (.post, "sessions") where segments.count == 3:
            let guid = segments[1]
            let next: KeyfaxSimulatorState.SessionState? = [
                "launch": .launched, "complete": .completed, "cancel": .cancelled,
            ][segments[2]]
            guard let next else { return Self.json(["message": "launch, complete or cancel"], status: 400) }
            let found: Bool = self.state.data.withLock { data in
                guard data.sessions[guid] != nil else { return false }
                data.sessions[guid]?.state = next
                return true
            }
            return Self.json(["guid": .string(guid), "state": .string(next.rawValue)], status: found ? 200 : 404)
        case (.post, "webhook"):
            // {"host": "Dev", "url": "http://..."}: where POST /api/v1/key delivers new keys.
            guard let host = body["host"]?.stringValue else {
                return Self.json(["message": "body must be {\"host\", \"url\"}"], status: 400)
            }
            self.state.setWebHook(body["url"]?.stringValue, for: host)
            return Self.json(["host": .string(host)])
        default:
            return nil
        }
    }

    // MARK: Helpers

    static func query(_ request: Request, _ name: String) -> String? {
        FormEncoding.pairs(request.uri.query ?? "").first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The text of the first element named `name` (any case) anywhere in a parsed document.
    static func element(_ name: String, in value: Value) -> String? {
        switch value {
        case .object(let object):
            for member in object.members where member.key.lowercased() == name {
                if let text = member.value.stringValue ?? member.value["#text"]?.stringValue { return text }
            }
            for member in object.members { if let found = Self.element(name, in: member.value) { return found } }
            return nil
        case .array(let items):
            for item in items { if let found = Self.element(name, in: item) { return found } }
            return nil
        default:
            return nil
        }
    }

    /// The host name of a `Bearer {hostName}:{token}` header.
    static func bearerHost(_ request: Request) -> String? {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer "),
            let colon = header.firstIndex(of: ":")
        else { return nil }
        return String(header[header.index(header.startIndex, offsetBy: 7)..<colon])
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func json(_ value: Value, status: Int = 200) -> Response {
        SimulatorHTTP.json(value, status: status)
    }

    static func xml(_ text: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/xml; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

extension String {
    var trimmingWhitespace: String {
        String(self.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
