import GatehouseCore
import HTTPTypes
import Hummingbird
import NIOCore

extension Console {
    /// Headers every console page carries: nothing cached, nothing framed, only this origin's
    /// style sheet and script.
    static let pageHeaders: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        .cacheControl: "no-store",
        HTTPField.Name("Content-Security-Policy")!:
            """
        default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; base-uri \
        'none'; frame-ancestors 'none'
        """,
        HTTPField.Name("X-Frame-Options")!: "DENY",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
    ]

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: Self.pageHeaders, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(to location: String) -> Response {
        var headers = Self.pageHeaders
        headers[.location] = location
        return Response(status: .seeOther, headers: headers, body: .init())
    }

    static func asset(_ bytes: [UInt8], type: String) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: type, .cacheControl: "no-cache", HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The request's cookies by name (the first of a repeated name wins).
    static func cookies(_ request: Request) -> [String: String] {
        var cookies: [String: String] = [:]
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                let name = parts[0].trimmingSpaces
                if cookies[name] == nil { cookies[name] = parts[1].trimmingSpaces }
            }
        }
        return cookies
    }

    /// A urlencoded form body (first value of each name); bounded by ``maxFormBytes``.
    static func form(_ request: Request) async throws -> [String: String] {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: Self.maxFormBytes)
        } catch {
            throw ConsoleRefusal(
                status: .contentTooLarge, heading: "Form too large",
                text: "Forms are limited to \(Self.maxFormBytes / 1024) KiB; nothing was changed.")
        }
        var form: [String: String] = [:]
        for pair in FormEncoding.pairs(String(decoding: body.readableBytesView, as: UTF8.self))
        where form[pair.name] == nil {
            form[pair.name] = pair.value
        }
        return form
    }

    /// `Set-Cookie` for a cookie the browser keeps for this listener's pages only.
    func cookie(_ name: String, _ value: String, maxAge: Int?) -> String {
        var text = "\(name)=\(value); Path=/; HttpOnly; SameSite=Strict"
        if let maxAge { text += "; Max-Age=\(maxAge)" }
        if self.configuration.secureCookies { text += "; Secure" }
        return text
    }

    /// `Set-Cookie` that removes `name`.
    func expiredCookie(_ name: String) -> String { self.cookie(name, "", maxAge: 0) }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        String(self.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
