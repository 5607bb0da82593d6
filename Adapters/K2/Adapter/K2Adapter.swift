import GatehouseCore
import GatehouseCrypto
import GatehouseXML
import HTTPTypes
import Logging

/// The K2 API (seed 003; Adapters/K2/README.md, "Signing"): every request signed with HMAC-MD5 over its URL
/// (header or x-auth mode), Data / Meta / Formation operations over K2's JSON mode, records in
/// Gatehouse's shape, K2's `[ErrorKind]` errors as uniform errors, and the licensed thread
/// count enforced as `max_concurrency`.
public struct K2Adapter: Adapter {
    /// The registration used by the executable's built-in list.
    public static let kind = AdapterKind(
        name: "k2",
        bulkheadDefaults: { options in
            guard let options else { return Configuration().bulkhead }
            var map = try options.map()
            return try Configuration(options: &map).bulkhead
        }
    ) { setup in try K2Adapter(setup: setup) }

    /// The validated options.
    public let configuration: Configuration
    let client: UpstreamClient
    let connection: String
    /// Field types per class for XML bodies (format: xml), cached for the connection's life.
    let meta = K2MetaCache()

    /// Builds the adapter for one connection, validating options and credentials.
    public init(setup: AdapterSetup) throws {
        var options = try setup.options()
        let configuration = try Configuration(options: &options)
        try options.finish()
        try setup.requireCredentials(["username", "password"])
        self.configuration = configuration
        self.connection = setup.connection.name
        self.client = setup.client.signed(
            by: K2Signer(
                credentials: setup.credentials, mode: configuration.auth, xAuthDecode: configuration.xAuthDecode)
        )
    }

    /// Forwards to `base_url + path`, signed over the URL exactly as sent; a `+` in the
    /// caller's query is sent as `%20` (K2 would otherwise hash a different text than it reads).
    public func proxy(_ call: ProxyCall) async throws -> UpstreamResponse {
        var call = call
        if let query = call.query, query.contains("+") {
            call.query = query.split(separator: "+", omittingEmptySubsequences: false).joined(separator: "%20")
        }
        return try await self.client.forward(call)
    }

    // MARK: Upstream calls

    /// A request body in the connection's format.
    struct Body {
        var bytes: [UInt8]
        var contentType: String
    }

    /// One signed call within a licensed thread, the answer read whole and parsed into K2's JSON
    /// shape (from XML when `format: xml`).
    func exchange(_ method: HTTPRequest.Method, url: String, body: Body? = nil, isUpdate: Bool = false) async throws
        -> (status: Int, value: Value)
    {
        let xml = self.configuration.format == .xml
        var headers: HTTPFields = [.accept: xml ? "application/xml" : "application/json"]
        var upstreamBody = UpstreamBody.empty
        if let body {
            headers[.contentType] = body.contentType
            upstreamBody = .bytes(.init(bytes: body.bytes))
        }
        let request = UpstreamRequest(method: method, url: url, headers: headers, body: upstreamBody)
        let (response, bytes) = try await self.client.sendCollecting(request)
        guard (200..<300).contains(response.status) else {
            throw K2Failure.error(
                status: response.status, contentType: response.headers[.contentType], body: bytes,
                connection: self.connection, isUpdate: isUpdate)
        }
        if xml {
            do {
                return (response.status, K2XML.decode(document: try XML.parse(bytes)))
            } catch {
                throw GatewayError(
                    .upstreamError, "K2's answer is not valid XML (\(error))", connection: self.connection,
                    upstreamStatus: response.status)
            }
        }
        do {
            return (response.status, try JSON.parse(bytes))
        } catch {
            throw GatewayError(
                .upstreamError, "K2's answer is not valid JSON (\(error))", connection: self.connection,
                upstreamStatus: response.status)
        }
    }

    /// A JSON-shaped body (DataParameterFields, FormationInput) in the connection's format.
    func body(_ value: Value, root: String) throws -> Body {
        guard self.configuration.format == .xml else {
            return Body(bytes: JSON.serializeBytes(value), contentType: "application/json; charset=utf-8")
        }
        return Body(
            bytes: Array(try XML.serialize(K2XML.element(value, root: root), root: root).utf8),
            contentType: "application/xml; charset=utf-8")
    }

    /// A DataObjectWrapper body; in XML mode every value typed from its class's Meta (read once per class).
    func wrapperBody(_ wrapper: Value) async throws -> Body {
        guard self.configuration.format == .xml else { return try self.body(wrapper, root: "DataObjectWrapper") }
        var meta: [String: K2FieldTypes] = [:]
        var pending = [wrapper["DOClassName"]?.stringValue ?? ""]
        while let className = pending.popLast() {
            guard !className.isEmpty, meta[className.lowercased()] == nil else { continue }
            let types = try await self.fieldTypes(of: className)
            meta[className.lowercased()] = types
            pending += types.fields.values.compactMap(\.childClass)
        }
        let element = try K2XML.wrapper(wrapper, meta: meta)
        return Body(
            bytes: Array(try XML.serialize(element, root: "DataObjectWrapper").utf8),
            contentType: "application/xml; charset=utf-8")
    }

    /// `className`'s field types, from the cache or `GET /Meta/{class}`.
    func fieldTypes(of className: String) async throws -> K2FieldTypes {
        if let cached = self.meta.types(of: className) { return cached }
        let answer = try await self.exchange(.get, url: self.url(["Meta", className]))
        let types = K2FieldTypes(meta: answer.value)
        self.meta.store(types, for: className)
        return types
    }

    /// A write of `wrapper`: on a refusal other than a conflict, the cached Meta of its classes is
    /// dropped (a field or type K2 no longer accepts means the Meta changed).
    func write(_ method: HTTPRequest.Method, url: String, wrapper: Value, isUpdate: Bool) async throws -> (
        status: Int, value: Value
    ) {
        let body = try await self.wrapperBody(wrapper)
        do {
            return try await self.exchange(method, url: url, body: body, isUpdate: isUpdate)
        } catch let error as GatewayError
            where [.upstreamError, .badRequest].contains(error.code)
            && error.upstreamStatus.map({ (400..<500).contains($0) && $0 != 401 }) == true
        {
            let className = wrapper["DOClassName"]?.stringValue ?? ""
            self.meta.invalidate(
                [className] + (self.meta.types(of: className)?.fields.values.compactMap(\.childClass) ?? []))
            throw error
        }
    }

    /// `base_url` + `/{segments...}` (each percent-encoded) + `?query` (values encoded, spaces as `%20`).
    func url(_ segments: [String], query: [(String, String)] = []) -> String {
        let path =
            (self.configuration.format == .xml ? "/xml" : "")
            + segments.map { "/" + PercentEncoding.encode($0) }.joined()
        let text = query.map { $0.0 + "=" + K2Signature.queryValue($0.1) }.joined(separator: "&")
        return self.client.url(path: path, query: text.isEmpty ? nil : text)
    }

    /// A page URL K2 reported, checked against `base_url`'s origin (rebased when configured), and
    /// below its Data service without a dot segment: never a cursor ``pageURL(fromCursor:)`` refuses.
    func checkedPageURL(_ text: String) throws -> String {
        let url = try self.onOrigin(pageURL: text)
        guard self.isDataPageURL(url) else {
            throw GatewayError(
                .upstreamError,
                "K2 reported a page URL outside base_url's Data service or with a dot segment; it is not followed",
                connection: self.connection)
        }
        return url
    }

    /// `text` on `base_url`'s origin: as it is, or rebased when `rebase_page_urls` allows.
    private func onOrigin(pageURL text: String) throws -> String {
        guard let target = BaseURL(text) else {
            throw GatewayError(
                .upstreamError, "K2 reported a page URL that is not an absolute http(s) URL",
                connection: self.connection)
        }
        let base = self.client.baseURL
        if target.sameOrigin(as: base) { return text }
        guard self.configuration.rebasePageURLs else {
            throw GatewayError(
                .upstreamError,
                """
                K2 reported a page URL on \(target.origin), not on base_url's origin \(base.origin); it is neither \
                signed nor followed (set options.rebase_page_urls when K2 sits behind a reverse proxy)
                """,
                connection: self.connection
            )
        }
        let colon = text.firstIndex(of: ":")!  // BaseURL accepted it: "scheme://" comes first
        let afterScheme = text[text.index(colon, offsetBy: 3)...]
        let rest = afterScheme.firstIndex(of: "/").map { afterScheme[$0...] } ?? ""
        let origin = String(base.prefix.dropLast(base.path.count))
        return origin + rest
    }
}
