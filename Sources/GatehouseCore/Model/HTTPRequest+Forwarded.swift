import HTTPTypes

extension HTTPRequest.Method {
    /// The methods Gatehouse sends upstream on a caller's behalf (`/proxy` and the http adapter's
    /// `request` operation). Not TRACE: an upstream that honours it echoes the credential Gatehouse
    /// added back to the caller; not CONNECT, nor methods an upstream may read in ways the gateway
    /// cannot foresee (QUERY, WebDAV's).
    public static let forwarded: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .options]

    /// ``forwarded`` as an `Allow` header value.
    public static let forwardedAllow = Self.forwarded.map(\.rawValue).joined(separator: ", ")
}
