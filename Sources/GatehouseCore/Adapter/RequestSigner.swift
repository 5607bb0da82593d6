/// Adds a connection's credentials to an outbound request. Only called for URLs on the
/// connection's own origin.
///
/// ```swift
/// struct StaticHeaderSigner: RequestSigner {
///     func sign(_ request: inout UpstreamRequest) async throws { request.headers[.authorization] = "Bearer ..." }
/// }
/// ```
public protocol RequestSigner: Sendable {
    /// Adds credentials to `request` (headers, query); throws ``GatewayError`` when none can be had.
    func sign(_ request: inout UpstreamRequest) async throws
}

/// Signs nothing: for upstreams without credentials.
public struct NoSigner: RequestSigner {
    public init() {}
    public func sign(_ request: inout UpstreamRequest) async throws {}
}
