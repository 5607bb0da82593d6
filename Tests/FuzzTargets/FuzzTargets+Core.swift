import GatehouseCore
import GatehouseCrypto
import GatehouseXML

extension FuzzTargets {
    /// `JSON.parse` (operation bodies, every JSON answer); what it reads serializes and reads back unchanged.
    static let json = FuzzTarget("json", input: "a JSON document") { bytes in
        let value: Value
        do throws(JSON.ParseError) {
            value = try JSON.parse(bytes)
        } catch {
            return "refused: \(error.message)"
        }
        let text = JSON.serialize(value)
        FuzzTarget.require(
            (try? JSON.parse(text)) == value, "JSON.serialize output does not read back as the same value")
        return "ok " + FuzzTarget.short(text)
    }

    /// `XML.parse` (XML operation bodies, K2's XML mode) and `XML.serialize` (caller JSON sent
    /// as XML): a document read and written reads again, and any JSON written as XML is well-formed.
    static let xml = FuzzTarget("xml", input: "an XML document (also read as JSON and written as XML)") { bytes in
        var summary: String
        do throws(XMLError) {
            let value = try XML.parse(bytes)
            summary = "ok " + FuzzTarget.short(JSON.serialize(value))
            if let text = try? XML.serialize(value) {
                Self.requireWellFormed(text, "a parsed document, written again")
            }
        } catch {
            summary = "refused: \(error.message)"
        }
        if let json = try? JSON.parse(bytes), let text = try? XML.serialize(json, root: "arguments") {
            Self.requireWellFormed(text, "JSON written as XML")
        }
        return summary
    }

    private static func requireWellFormed(_ text: String, _ what: String) {
        do {
            // The writer nests arrays and objects deeper than the reader's default cap allows.
            _ = try XML.parse(Array(text.utf8), maximumDepth: XML.maximumDepth * 4 + 2)
        } catch {
            FuzzTarget.require(false, "\(what) is not well-formed XML: \(error.message)")
        }
    }

    /// `application/x-www-form-urlencoded` bodies and queries: every decoded name and value
    /// survives encoding and decoding again.
    static let form = FuzzTarget("form", input: "a form body or query string") { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        let pairs = FormEncoding.pairs(text)
        for (name, value) in pairs {
            for part in [name, value] {
                FuzzTarget.require(
                    FormEncoding.decode(Substring(FormEncoding.encode(part))) == part,
                    "form encode/decode changed a value")
                FuzzTarget.require(
                    FormEncoding.decode(Substring(FormEncoding.encode(part, spaceAsPlus: false))) == part,
                    "form %20 encode/decode changed a value")
            }
        }
        _ = FormEncoding.html(text)
        return "ok \(pairs.count) pairs: "
            + FuzzTarget.short(pairs.map { "\($0.name)=\($0.value)" }.joined(separator: "&"))
    }

    /// Strict base64, base64url and hex decoding (signing keys, cursors, key hashes): what
    /// decodes re-encodes to the same text, and any bytes encode and decode back.
    static let base64Hex = FuzzTarget(
        "base64-hex", input: "text to decode as base64, base64url and hex (and bytes to encode)"
    ) { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        var decoded: [String] = []
        if let data = Base64.decode(text) {
            FuzzTarget.require(Base64.encode(data) == text, "Base64.decode accepted a non-canonical encoding")
            decoded.append("base64 \(data.count) bytes")
        }
        if let data = Base64.urlDecode(text) {
            FuzzTarget.require(Base64.urlEncode(data) == text, "Base64.urlDecode accepted a non-canonical encoding")
            decoded.append("base64url \(data.count) bytes")
        }
        if let data = Hex.decode(text) {
            FuzzTarget.require(Hex.encode(data) == text.lowercased(), "Hex.decode accepted something that is not hex")
            decoded.append("hex \(data.count) bytes")
        }
        FuzzTarget.require(Base64.decode(Base64.encode(bytes)) == bytes, "base64 round trip")
        FuzzTarget.require(Base64.urlDecode(Base64.urlEncode(bytes)) == bytes, "base64url round trip")
        FuzzTarget.require(Hex.decode(Hex.encode(bytes)) == bytes, "hex round trip")
        return decoded.isEmpty ? "refused" : "ok " + decoded.joined(separator: ", ")
    }
}
