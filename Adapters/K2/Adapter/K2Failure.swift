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
        guard text.hasPrefix("["), let close = text.firstIndex(of: "]"), close > text.index(after: text.startIndex)
        else { return nil }
        let kind = String(text[text.index(after: text.startIndex)..<close])
        guard !kind.contains("\n") else { return nil }
        return (kind, String(text[text.index(after: close)...]))
    }

    /// The uniform error for a non-2xx K2 answer.
    static func error(status: Int, contentType: String?, body: [UInt8], connection: String, isUpdate: Bool)
        -> GatewayError
    {
        var text = String(decoding: body.prefix(4096), as: UTF8.self)
        // K2 answers JSON-mode errors as a JSON string sometimes: "\"[AS3Error]...\"".
        if text.hasPrefix("\""), case .string(let inner)? = try? JSON.parse(Array(text.utf8)) { text = inner }
        text = text.trimmingWhitespace()
        let isHTML =
            (contentType?.lowercased().contains("html") ?? false) || text.lowercased().hasPrefix("<!doctype html")
            || text.lowercased().hasPrefix("<html")
        let parsed = isHTML ? nil : Self.parse(text)
        if status == 401 {
            return GatewayError(
                .upstreamError,
                """
                K2 rejected the credentials or the signed URL (401): check the connection's username and password \
                in the vault and its auth mode
                """
                    + (parsed.map { ": " + Self.bounded($0.text) } ?? ""),
                connection: connection, upstreamStatus: status, upstreamKind: parsed?.kind)
        }
        if isHTML {
            return GatewayError(
                .upstreamError,
                """
                K2 answered HTTP \(status) with an IIS/.NET error page (the request could not be deserialised or \
                the API is misconfigured)
                """,
                connection: connection, upstreamStatus: status)
        }
        guard let parsed else {
            return GatewayError(
                .upstreamError, "K2 answered HTTP \(status)" + (text.isEmpty ? "" : ": " + Self.bounded(text)),
                connection: connection, upstreamStatus: status)
        }
        switch isUpdate ? Self.systemFieldProblem(parsed.text) : nil {
        case .notSent?:
            return GatewayError(
                .badRequest,
                "K2 needs the system fields (TimeStamp) from an earlier read in \"fields\": "
                    + Self.bounded(parsed.text),
                connection: connection, upstreamStatus: status, upstreamKind: parsed.kind)
        case .changed?:
            return GatewayError(
                .conflict,
                "the record was changed since it was read (stale TimeStamp): read it again and reapply the change",
                connection: connection, upstreamStatus: status, upstreamKind: parsed.kind)
        case nil:
            break
        }
        let (code, prefix) = Self.uniform(kind: parsed.kind, status: status)
        return GatewayError(
            code, prefix + Self.bounded(parsed.text), connection: connection, upstreamStatus: status,
            upstreamKind: parsed.kind)
    }

    /// The uniform code and message prefix of each ErrorKind (README "Errors"); a 404 is
    /// `not_found` whatever the kind.
    static func uniform(kind: String, status: Int) -> (GatewayError.Code, String) {
        if status == 404 { return (.notFound, "") }
        switch kind {
        case "RequestError": return (.badRequest, "K2 refused the request: ")
        case "AS3Error": return (.upstreamError, "K2's application server failed the request: ")
        case "AS3Message": return (.upstreamError, "K2's script or report stopped with a message: ")
        case "AS3Warning": return (.upstreamError, "K2's script or report stopped with a warning: ")
        case "AS3Terminated":
            return (
                .unavailable,
                "K2's application server ended the session (terminated, or it lost its database); try again later: "
            )
        case "CommunicationError": return (.upstreamUnreachable, "the K2 API could not reach its application server: ")
        case "UnknownError": return (.upstreamError, "K2 reported an unidentified error: ")
        default: return (.upstreamError, "")
        }
    }

    /// Why K2 refused an update over its system fields, read from the meaning of its message:
    /// a TimeStamp (system field) that was not sent is the caller's mistake; one that no longer
    /// matches means another user changed the record since it was read.
    enum SystemFieldProblem { case notSent, changed }

    static func systemFieldProblem(_ text: String) -> SystemFieldProblem? {
        let lower = text.lowercased()
        guard lower.contains("timestamp") || lower.contains("system field") else { return nil }
        let missing = [
            "not sent", "not been sent", "was not transmitted", "missing", "is required", "are required", "without",
        ]
        if missing.contains(where: lower.contains) { return .notSent }
        let changed = ["changed", "modified", "another user", "other user", "collision", "conflict", "stale"]
        if changed.contains(where: lower.contains) { return .changed }
        return nil
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
