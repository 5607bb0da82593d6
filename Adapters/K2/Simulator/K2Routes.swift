import GatehouseCore
import GatehouseCrypto
import GatehouseSimulation
import HTTPTypes
import Hummingbird
import NIOCore

/// The K2 simulator's front door: signature check, licensed threads, failure modes, then the
/// services. Its control routes are the shared ones (``K2SimulatorState``'s `SimulatorState`).
enum K2Routes {
    static func respond(to request: Request, state: K2SimulatorState) async throws -> Response {
        let path = request.uri.path
        let base = state.configuration.basePath
        guard path.lowercased().hasPrefix(base.lowercased() + "/") || path.lowercased() == base.lowercased() else {
            return Self.html(404, "The resource cannot be found.")
        }
        var rest = String(path.dropFirst(base.count))
        var xml = false
        if rest.lowercased().hasPrefix("/xml/") {
            xml = true
            rest = String(rest.dropFirst(4))
        }
        let host = request.head.authority ?? "127.0.0.1"
        let fullURL = "http://\(host)\(request.uri.string)"
        let (verdict, query) = K2Authentication.verify(
            url: fullURL, authorization: request.headers[.authorization], configuration: state.configuration)
        state.record(
            .init(
                method: request.method.rawValue, url: fullURL, auth: verdict.mode, user: verdict.user,
                verified: verdict.ok))
        guard verdict.ok else {
            return Self.error(K2Error(.requestError, "Unauthorized. The request signature is not valid.", status: 401))
        }
        guard state.enter() else {
            return Self.error(
                K2Error(
                    .communicationError,
                    "No free API thread: all \(state.configuration.threads) licensed shared users are busy.",
                    status: 500))
        }
        defer { state.leave() }
        let mode = state.mode
        if mode.latencyMilliseconds > 0 { try await Task.sleep(for: .milliseconds(mode.latencyMilliseconds)) }
        switch mode.answer {
        case "garbage-json": return Self.raw(200, "application/json; charset=utf-8", "{\"Items\": [ {\"DOClassName\": ")
        case "garbage-xml": return Self.raw(200, "application/xml; charset=utf-8", "<PagedList><Items></PagedList>")
        case "html-error": return Self.html(500, "Runtime Error")
        default: break
        }
        if let name = mode.errorKind, let kind = K2Error.Kind(rawValue: name) {
            return Self.error(K2Error(kind, Self.sampleText[kind] ?? "", status: mode.errorStatus))
        }
        let body = try await SimulatorHTTP.body(of: request)
        let origin = mode.pageOrigin ?? "http://\(host)"
        let context = K2Services.Context(
            method: request.method, path: rest, query: query, body: body, xml: xml,
            apiBase: origin + base + (xml ? "/xml" : ""))
        do {
            return try K2Services.handle(context, state: state)
        } catch let error as K2Error {
            return Self.error(error)
        } catch is K2Services.Undeserialisable {
            return Self.html(400, "Bad Request")
        }
    }

    /// What each ErrorKind says in `/_sim/mode {"error_kind"}` answers.
    static let sampleText: [K2Error.Kind: String] = [
        .as3Message: "The report has no data to print.",
        .as3Warning: "The script finished with a warning: 3 records were skipped.",
        .as3Error: "The application server could not process the request.",
        .as3Terminated: "The application server was terminated; the connection to the database server was lost.",
        .requestError: "The request is not valid.",
        .communicationError: "The API could not communicate with the application server.",
        .unknownError: "Object reference not set to an instance of an object.",
    ]

    static func error(_ error: K2Error) -> Response {
        Self.raw(error.status, "text/plain; charset=utf-8", "[\(error.kind.rawValue)]\(error.text)")
    }

    static func html(_ status: Int, _ title: String) -> Response {
        Self.raw(
            status, "text/html; charset=utf-8",
            """
            <!DOCTYPE html><html><head><title>\(title)</title></head><body><h1>Server Error in '/restservice' \
            Application.</h1><h2><i>\(title)</i></h2><p>Exception Details: \
            System.Runtime.Serialization.SerializationException</p></body></html>
            """
        )
    }

    static func raw(_ status: Int, _ type: String, _ text: String) -> Response {
        SimulatorHTTP.text(text, status: status, contentType: type)
    }

    static func json(_ value: Value, status: Int = 200) -> Response {
        SimulatorHTTP.json(value, status: status)
    }
}

/// Seed 003's authentication, checked on the URL exactly as received.
enum K2Authentication {
    struct Verdict {
        var ok: Bool
        var mode: String
        var user: String?
    }

    /// The verdict, and the query without the `x-auth` parameter.
    static func verify(url: String, authorization: String?, configuration: K2Simulator.Configuration) -> (
        Verdict, String
    ) {
        let query = url.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        for marker in ["&x-auth=", "?x-auth="] {
            guard let range = Self.lastRange(of: marker, in: url) else { continue }
            let signed = String(url[..<range.upperBound])
            let credential = K2Percent.decode(String(url[range.upperBound...]))
            let parts = credential.split(separator: ":", maxSplits: 1).map(String.init)
            let message = K2Percent.uppercase(configuration.xAuthDecode ? K2Percent.decode(signed) : signed)
            let remaining =
                signed.split(separator: "?", maxSplits: 1).dropFirst().first.map {
                    String($0.dropLast(marker.hasPrefix("?") ? marker.count - 1 : marker.count))
                } ?? ""
            guard parts.count == 2, configuration.isUser(parts[0]) else {
                return (Verdict(ok: false, mode: "x-auth", user: parts.first), remaining)
            }
            let expected = Self.mac(message, password: configuration.password)
            return (
                Verdict(
                    ok: ConstantTime.equals(Array(expected.utf8), Array(parts[1].utf8)),
                    mode: """
                        x-auth
                        """, user: parts[0]),
                remaining
            )
        }
        guard let authorization, let colon = authorization.firstIndex(of: ":") else {
            return (Verdict(ok: false, mode: "none"), query)
        }
        let user = String(authorization[..<colon])
        let hash = String(authorization[authorization.index(after: colon)...])
        guard configuration.isUser(user) else { return (Verdict(ok: false, mode: "header", user: user), query) }
        let expected = Self.mac(K2Percent.uppercase(K2Percent.decode(url)), password: configuration.password)
        return (
            Verdict(ok: ConstantTime.equals(Array(expected.utf8), Array(hash.utf8)), mode: "header", user: user), query
        )
    }

    static func mac(_ message: String, password: String) -> String {
        Base64.encode(HMAC.authenticationCode(.md5, key: Array(password.utf8), message: Array(message.utf8)))
    }

    static func lastRange(of marker: String, in text: String) -> Range<String.Index>? {
        var found: Range<String.Index>?
        var index = text.startIndex
        while index < text.endIndex {
            if text[index...].hasPrefix(marker) { found = index..<text.index(index, offsetBy: marker.count) }
            index = text.index(after: index)
        }
        return found
    }
}
