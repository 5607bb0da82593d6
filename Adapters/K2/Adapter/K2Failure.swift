import GatehouseCore

/// Turns K2's error answers into the uniform error: the `[ErrorKind]ErrorText` body becomes
/// `upstream_kind` and the message; 401 says the credentials or signed URL were rejected; an
/// IIS/.NET HTML error page is never passed on.
enum K2Failure {
    /// K2's error kinds (seed 003).
    static let kinds: Set<String> = [
        "AS3Message", "AS3Warning", "AS3Error", "AS3Terminated", "RequestError", "CommunicationError", "UnknownError",
    ]

    /// `[Kind]Text` split, or `nil` when the body does not have that shape.
    static func parse(_ text: String) -> (kind: String, text: String)? {
        guard text.hasPrefix("["), let close = text.firstIndex(of: "]"), close > text.index(after: text.startIndex) else { return nil }
        let kind = String(text[text.index(after: text.startIndex)..<close])
        guard !kind.contains("\n") else { return nil }
        return (kind, String(text[text.index(after: close)...]))
    }

    /// The uniform error for a non-2xx K2 answer.
    static func error(status: Int, contentType: String?, body: [UInt8], connection: String, isUpdate: Bool) -> GatewayError {
        var text = String(decoding: body.prefix(4096), as: UTF8.self)
        // K2 answers JSON-mode errors as a JSON string sometimes: "\"[AS3Error]...\"".
        if text.hasPrefix("\""), case .string(let inner)? = try? JSON.parse(Array(text.utf8)) { text = inner }
        text = text.trimmingWhitespace()
        let isHTML = (contentType?.lowercased().contains("html") ?? false) || text.lowercased().hasPrefix("<!doctype html")
            || text.lowercased().hasPrefix("<html")
        let parsed = isHTML ? nil : Self.parse(text)
        if status == 401 {
            return GatewayError(
                .upstreamError,
                "K2 rejected the credentials or the signed URL (401): check the connection's username and password in the vault and its auth mode"
                    + (parsed.map { ": " + Self.bounded($0.text) } ?? ""),
                connection: connection, upstreamStatus: status, upstreamKind: parsed?.kind)
        }
        if isHTML {
            return GatewayError(
                .upstreamError,
                "K2 answered HTTP \(status) with an IIS/.NET error page (the request could not be deserialised or the API is misconfigured)",
                connection: connection, upstreamStatus: status)
        }
        guard let parsed else {
            return GatewayError(
                .upstreamError, "K2 answered HTTP \(status)" + (text.isEmpty ? "" : ": " + Self.bounded(text)),
                connection: connection, upstreamStatus: status)
        }
        if isUpdate, parsed.text.contains("TimeStamp") {
            return GatewayError(
                .conflict, "the record was changed since it was read (stale TimeStamp): read it again and reapply the change",
                connection: connection, upstreamStatus: status, upstreamKind: parsed.kind)
        }
        let code: GatewayError.Code = status == 404 ? .notFound : .upstreamError
        return GatewayError(code, Self.bounded(parsed.text), connection: connection, upstreamStatus: status, upstreamKind: parsed.kind)
    }

    static func bounded(_ text: String) -> String {
        text.count > 500 ? String(text.prefix(500)) + "…" : text
    }
}

extension String {
    /// Without leading and trailing whitespace.
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}
