/// The uniform success answer of an operation:
/// `{"data": ..., "page": {"next", "total"?}?, "meta": {"connection", "adapter", "upstream_status", ...}}`.
public struct Envelope: Sendable {
    /// The translated payload.
    public var data: Value
    /// An opaque cursor for the next page, when there is one.
    public var nextCursor: String?
    /// The total number of items, when the upstream says.
    public var total: Int?
    /// Further cursors beside `next` (e.g. `prev`, `first`, `last`), rendered into `page`.
    public var pageCursors: Value.Object = [:]
    /// Extra details an adapter reports (request status, upstream paging details, state).
    public var meta: Value.Object
    /// The HTTP status to answer with (200, or 202 for "not ready yet").
    public var status: Int
    /// The upstream's status code, when one call decided the answer.
    public var upstreamStatus: Int?
    /// A file the operation streams to the caller instead of the envelope (e.g. K2's
    /// `formation.download`): its status, `Content-Type` and `Content-Disposition` are passed on.
    public var stream: UpstreamResponse?

    /// Creates an envelope.
    public init(
        data: Value,
        nextCursor: String? = nil,
        total: Int? = nil,
        meta: Value.Object = [:],
        status: Int = 200,
        upstreamStatus: Int? = nil
    ) {
        self.data = data
        self.nextCursor = nextCursor
        self.total = total
        self.meta = meta
        self.status = status
        self.upstreamStatus = upstreamStatus
    }

    /// Renders the uniform body for `connection` served by `adapter`.
    public func body(connection: String, adapter: String) -> Value {
        var root: Value.Object = ["data": self.data]
        if self.nextCursor != nil || self.total != nil || !self.pageCursors.members.isEmpty {
            var page: Value.Object = [:]
            if let nextCursor { page["next"] = .string(nextCursor) }
            for member in self.pageCursors.members { page[member.key] = member.value }
            if let total { page["total"] = .int(total) }
            root["page"] = .object(page)
        }
        var meta: Value.Object = ["connection": .string(connection), "adapter": .string(adapter)]
        if let upstreamStatus { meta["upstream_status"] = .int(upstreamStatus) }
        for member in self.meta.members { meta[member.key] = member.value }
        root["meta"] = .object(meta)
        return .object(root)
    }
}
