import GatehouseCheckfront
import GatehouseCore
import GatehouseCrypto
import GatehouseK2
import GatehouseKeyfax
import GatehouseOKIT
import GatehouseXML
import NIOCore

extension FuzzTargets {
    /// K2's `conditions` built from a caller's `filter` (JSON, or XML when the input starts with `<`).
    static let k2Conditions = FuzzTarget(
        "k2-conditions", input: "a data.list filter: JSON, or an XML document whose root holds it"
    ) { bytes in
        let filter: Value?
        if bytes.first == UInt8(ascii: "<") {
            guard case .object(let root)? = try? XML.parse(bytes), let first = root.members.first else {
                return "unreadable"
            }
            filter = first.value
        } else {
            guard let value = try? JSON.parse(bytes) else { return "unreadable" }
            filter = value
        }
        do {
            return "ok " + FuzzTarget.short(try K2Conditions.build(filter) ?? "no conditions")
        } catch {
            return "refused: \(error)"
        }
    }

    /// A caller's `cursor` (its text as given, and the input's bytes as an encoded cursor) and an
    /// upstream's `NextPageURL`, checked by real K2 connections; what passes stays on base_url's origin.
    static let k2Cursor = FuzzTarget(
        "k2-cursor", input: "a cursor or page URL (text), also encoded as a cursor",
        prepare: {
            let base = BaseURL("https://k2.example:8443/K2API")!
            let adapters = ["json", "xml"].map { format in
                (
                    format,
                    FuzzAdapters.connection(
                        "k2",
                        yaml: """
                            connections:
                              k2:
                                adapter: k2
                                base_url: \(base)
                                credentials: { username: env:K2_USER, password: env:K2_PASSWORD }
                                options: { format: \(format), rebase_page_urls: \(format == "xml") }
                            """) as! K2Adapter
                )
            }
            return { bytes in
                let text = String(decoding: bytes, as: UTF8.self)
                var outcomes: [String] = []
                for (format, adapter) in adapters {
                    for cursor in [text, Base64.urlEncode(bytes)] {
                        if let url = try? adapter.page(forCursor: cursor) {
                            FuzzTarget.require(
                                BaseURL(url)?.sameOrigin(as: base) == true, "a cursor led off base_url's origin: \(url)"
                            )
                            outcomes.append("\(format) cursor ok \(FuzzTarget.short(url, 80))")
                        }
                    }
                    if let url = try? adapter.page(reportedByUpstream: text) {
                        FuzzTarget.require(
                            BaseURL(url)?.sameOrigin(as: base) == true,
                            "a page URL was followed off base_url's origin: \(url)")
                        outcomes.append("\(format) page URL ok \(FuzzTarget.short(url, 80))")
                    }
                }
                return outcomes.isEmpty ? "refused" : outcomes.joined(separator: "; ")
            }
        })

    /// An OKIT validator's answer: `<status>\n<body>` (status 200 without a first line).
    static let okitAnswer = FuzzTarget("okit-answer", input: "an OKIT validator answer: status line, then the body") {
        bytes in
        let (words, body) = FuzzInput.header(bytes)
        let status = FuzzInput.status(words.first)
        switch OKITAnswer(status: status, body: body) {
        case .valid(let message):
            FuzzTarget.require(message.count <= OKITAnswer.longestMessage, "an OKIT message passed on unbounded")
            return "valid: \(message)"
        case .invalid(let message):
            FuzzTarget.require(message.count <= OKITAnswer.longestMessage, "an OKIT message passed on unbounded")
            return "invalid: \(message)"
        case .undecided(let reason):
            return "undecided: \(reason)"
        }
    }

    /// An OAuth2 token endpoint answer (the core's, as Checkfront uses it): `<status>\n<body>`.
    static let tokenAnswer = FuzzTarget(
        "token-answer", input: "an OAuth token endpoint answer: status line, then the JSON body"
    ) { bytes in
        let (words, body) = FuzzInput.header(bytes)
        let response = UpstreamResponse(status: FuzzInput.status(words.first), headers: [:], body: .from(ByteBuffer()))
        // Checkfront's default lifetime
        switch OAuth2TokenEndpoint.outcome(response: response, body: body, defaultLifetime: 14_000) {
        case .granted(let grant):
            FuzzTarget.require(grant.expiresIn >= 1, "a grant that has already expired")
            // Never the tokens themselves: summaries are printed.
            return "granted: expires_in \(grant.expiresIn)"
        case .refused(let kind, let status):
            return "refused: \(kind) (\(status))"
        case .unavailable(let kind, let status):
            return "unavailable: \(kind) (\(status.map(String.init) ?? "no status"))"
        }
    }

    /// The body Keyfax posts to the key web hook.
    static let keyfaxHook = FuzzTarget("keyfax-hook", input: "a Keyfax web hook body (JSON)") { bytes in
        do {
            let body = try KeyfaxHookBody(parsing: bytes)
            return "ok keys for host \(FuzzTarget.short(body.hostName, 40))"
        } catch {
            return "refused: \(error)"
        }
    }

    /// A Keyfax JWT's expiry (the input as a token, and its bytes as the claims of one).
    static let keyfaxJWT = FuzzTarget("keyfax-jwt", input: "a JWT, also used as the claims JSON of a JWT") { bytes in
        let token = String(decoding: bytes, as: UTF8.self)
        let claims = "eyJhbGciOiJIUzI1NiJ9." + Base64.urlEncode(bytes) + ".c2ln"
        let expiries = [token, claims].map { KeyfaxJWT.expiry(of: $0) }
        for candidate in [token, claims] {
            // The fallback the adapter renews by: 24 hours after issue.
            _ = KeyfaxJWT.expiry(of: candidate, issuedAt: Timestamp(seconds: 1_700_000_000))
        }
        if expiries.allSatisfy({ $0 == nil }) { return "refused: no exp claim" }
        let text = expiries.map { $0.map { String($0.seconds) } ?? "none" }
        return "ok token exp \(text[0]), claims exp \(text[1])"
    }

    /// A Checkfront API answer: `<status> [resource|-] [list]\n<body>`.
    static let checkfrontEnvelope = FuzzTarget(
        "checkfront-envelope",
        input: "a Checkfront answer: `status resource list` line (resource `-` for none), then the JSON body"
    ) { bytes in
        let (words, body) = FuzzInput.header(bytes)
        let status = FuzzInput.status(words.first)
        let resource = words.count > 1 && words[1] != "-" ? words[1] : nil
        let list = words.count > 2 && words[2] == "list"
        do {
            let envelope = try CheckfrontEnvelope.translate(
                status: status, body: body, resource: resource, list: list, connection: "checkfront")
            return "ok next \(envelope.nextCursor ?? "-") total \(envelope.total.map(String.init) ?? "-") data "
                + FuzzTarget.short(JSON.serialize(envelope.data))
        } catch let error as GatewayError {
            return "refused: \(error.code.rawValue) \(error.message)"
        } catch {
            return "refused: \(error)"
        }
    }
}
