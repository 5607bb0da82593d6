import Foundation
import GatehouseFuzzTargets
import Testing

/// Replays every seed corpus under `Tests/Fuzz/<target>/` (and any crasher `make fuzz` wrote
/// there) through the entry libFuzzer calls, so that `make test` covers every finding.
@Suite struct FuzzCorpusTests {
    static let corpusRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    /// The corpus files of `target`, sorted.
    static func corpus(_ target: String) throws -> [URL] {
        let folder = Self.corpusRoot.appendingPathComponent(target)
        return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    static func bytes(_ url: URL) throws -> [UInt8] {
        Array(try Data(contentsOf: url))
    }

    @Test(arguments: FuzzTargets.all.map(\.name))
    func everyCorpusFileReplays(target name: String) throws {
        let target = try #require(FuzzTargets.named(name))
        let files = try Self.corpus(name)
        #expect(files.count >= 4, "Tests/Fuzz/\(name)/ needs a handful of seeds, valid and invalid")
        let entry = target.entry()
        for file in files {
            #expect(!entry(try Self.bytes(file)).isEmpty, "\(name)/\(file.lastPathComponent)")
        }
    }

    @Test func everyCorpusFolderIsATarget() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.corpusRoot.path)
            .filter {
                var isFolder: ObjCBool = false;
                return FileManager.default.fileExists(
                    atPath: Self.corpusRoot.appendingPathComponent($0).path, isDirectory: &isFolder)
                    && isFolder.boolValue
            }
        #expect(Set(folders) == Set(FuzzTargets.all.map(\.name)))
    }

    /// Known seeds per target (one accepted, one refused where the parser refuses anything) and
    /// what each must read as: the replay cannot silently test nothing.
    @Test(arguments: [
        ("json", "object.json", #"ok {"name":"Gatehouse","tags":["a","é😀"],"n":-1.5e3,"ok":true,"none":null}"#),
        ("json", "lone-surrogate.json", "refused: unpaired surrogate"),
        ("xml", "attributes.xml", ##"ok {"a":{"@x":"1","#text":"t","b":["1","2"]}}"##),
        ("xml", "doctype.xml", "refused: a DOCTYPE is not accepted"),
        ("config", "minimal.yaml", "ok 1 connections, 1 clients"),
        ("config", "demo.yaml", "ok 8 connections, 2 clients"),
        ("config", "duplicate-key.yaml", "refused: invalid YAML: duplicate key a"),
        ("form", "pairs.txt", "ok 3 pairs: a=1&b=two words&c=é"),
        ("form", "bad-escapes.txt", "ok 5 pairs: %zz=&%4=&=&x=\u{FFFD}\u{FFFD}&%="),
        ("base64-hex", "base64.txt", "ok base64 5 bytes"),
        ("base64-hex", "noncanonical.txt", "refused"),
        ("k2-conditions", "filter.json", #"ok Name;LIKE*;"Shell*",PartnerId;GT;10,Abbr;IN;"A";"B""#),
        (
            "k2-conditions", "quote-injection.json",
            #"""
            refused: bad_request: /filter/0: a value cannot contain '"': K2 has no escape for it inside a quoted \#
            value
            """#
        ),
        (
            "k2-cursor", "page-url.txt",
            // Not "xml page URL ok": an XML connection's pages live below /K2API/xml/Data/.
            """
            json cursor ok https://k2.example:8443/K2API/Data/Partner?page=2; json page URL ok \
            https://k2.example:8443/K2API/Data/Partner?page=2
            """
        ),
        ("k2-cursor", "other-origin-xml.txt", "xml page URL ok https://k2.example:8443/K2API/xml/Data/Partner?page=2"),
        ("k2-cursor", "garbage.txt", "refused"),
        ("k2-cursor", "dot-segments.txt", "refused"),
        ("okit-answer", "valid.txt", "valid: token ok"),
        ("okit-answer", "redirect.txt", "undecided: redirect 302, not followed"),
        ("token-answer", "granted.txt", "granted: expires_in 3600"),
        ("token-answer", "invalid-grant.txt", "refused: invalid_grant (400)"),
        ("token-answer", "negative-expiry.txt", "unavailable: invalid_expires_in (200)"),
        ("keyfax-hook", "keys.json", "ok keys for host Dev"),
        ("keyfax-hook", "other-scheme.json", "refused: bad_request: schemaName must be Basic"),
        ("keyfax-jwt", "token.txt", "ok token exp 1893456000, claims exp none"),
        ("keyfax-jwt", "string-exp.json", "refused: no exp claim"),
        ("checkfront-envelope", "bookings.txt", #"ok next 2 total 3 data [{"booking_id":1},{"booking_id":2}]"#),
        ("checkfront-envelope", "not-found.txt", "refused: not_found Checkfront answered 404: Not found"),
        (
            "curl-status-line", "valid.txt",
            "complete 200, 3 headers [Content-Type=application/json,Content-Length=2,X-Request-Id=abc], 0 trailer lines"
        ),
        ("curl-status-line", "continue-then-201.txt", "complete 201, 1 headers [Location=/k/1], 2 trailer lines"),
        ("curl-status-line", "control-values.txt", "complete 200, 2 headers [X-Tab=a\tb,X-Ok=fine], 0 trailer lines"),
        ("curl-status-line", "status-1000.txt", "refused: the upstream's status is not a three-digit number"),
        (
            "curl-status-line", "too-many-headers.txt",
            "refused: the upstream's answer has more than max_response_headers headers"
        ),
        ("curl-status-line", "garbage.txt", "refused: the upstream's answer does not start with an HTTP status line"),
    ])
    func knownSeedReadsAsExpected(target name: String, file: String, expected: String) throws {
        let target = try #require(FuzzTargets.named(name))
        let seed = Self.corpusRoot.appendingPathComponent(name).appendingPathComponent(file)
        #expect(target.entry()(try Self.bytes(seed)) == expected)
    }
}
