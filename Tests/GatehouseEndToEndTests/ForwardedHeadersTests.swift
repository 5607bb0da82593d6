import Foundation
import GatehouseCore
import GatehouseEchoUpstream
import GatehouseTestSupport
import Testing

/// `server.forwarded_headers` end to end: the caller's forwarding claims never reach the upstream;
/// with `set` (the default) the gateway states the caller's address and `http` itself, with
/// `drop` it sends none. What the echo upstream received is the evidence.
@Suite(.timeLimit(.minutes(3))) struct ForwardedHeadersTests {
    static let forwardingNames = ["X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-IP", "Forwarded"]

    /// Forwarding headers a caller might forge, with values that stand out.
    static let spoofed = [
        "X-Forwarded-For": "203.0.113.66, 10.9.9.9",
        "X-Forwarded-Host": "spoofed.example",
        "X-Forwarded-Proto": "https-spoofed",
        "X-Real-IP": "203.0.113.67",
        "Forwarded": "for=203.0.113.68;proto=https;host=spoofed.example",
    ]

    /// Every value of header `name` the upstream received.
    static func values(_ name: String, in entry: RequestRecorder.Entry) -> [String] {
        entry.headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    /// Spoofed values in any received header.
    static func spoofedValues(in entry: RequestRecorder.Entry) -> [String] {
        entry.headers.map(\.value).filter { $0.contains("203.0.113.") || $0.contains("spoofed") }
    }

    @Test func byDefaultTheGatewayStatesTheCallerAndDropsTheCallersClaims() async throws {
        let h = try await Harness.start()
        // Stopped on every path: a failed #require or send must not leave processes behind.
        do {
            let plain = try await h.client.send(.get, h.url("/proxy/echo/plain"), headers: h.auth)
            #expect(plain.status == 200)
            let spoofing = try await h.client.send(
                .get, h.url("/proxy/echo/spoofed"), headers: h.auth.merging(Self.spoofed) { a, _ in a })
            #expect(spoofing.status == 200)
            let received = h.echo.recorder.all
            #expect(received.count == 2)
            for entry in received {
                #expect(Self.values("X-Forwarded-For", in: entry) == ["127.0.0.1"], "\(entry.path): \(entry.headers)")
                #expect(Self.values("X-Forwarded-Proto", in: entry) == ["http"], "\(entry.path)")
                for name in ["X-Forwarded-Host", "X-Real-IP", "Forwarded"] {
                    #expect(Self.values(name, in: entry).isEmpty, "\(entry.path): \(name) arrived")
                }
                #expect(Self.spoofedValues(in: entry).isEmpty, "\(entry.path): \(Self.spoofedValues(in: entry))")
            }
        } catch {
            await h.finish()
            throw error
        }
        await h.finish()
    }

    @Test func dropSendsNoForwardingHeadersAtAll() async throws {
        let h = try await Harness.start(server: "  forwarded_headers: drop")
        // Stopped on every path: a failed #require or send must not leave processes behind.
        do {
            let answer = try await h.client.send(
                .get, h.url("/proxy/echo/spoofed"), headers: h.auth.merging(Self.spoofed) { a, _ in a })
            #expect(answer.status == 200)
            let entry = try #require(h.echo.recorder.all.last)
            for name in Self.forwardingNames {
                #expect(Self.values(name, in: entry).isEmpty, "\(name) arrived: \(Self.values(name, in: entry))")
            }
            #expect(Self.spoofedValues(in: entry).isEmpty)
            // The rest of the caller's headers still go through.
            #expect(entry.header("X-Request-Id") != nil)
        } catch {
            await h.finish()
            throw error
        }
        await h.finish()
    }

    @Test func theCallersClaimsAreDroppedFromAnHTTPRequestOperationToo() async throws {
        let h = try await Harness.start()
        // Stopped on every path: a failed #require or send must not leave processes behind.
        do {
            let headers = JSON.serialize(
                .object(Value.Object(Self.spoofed.sorted { $0.key < $1.key }.map { .init($0.key, .string($0.value)) })))
            let answer = try await h.client.send(
                .post,
                h.url("/v1/echo/request"),
                headers: h.auth.merging(["Content-Type": "application/json"]) { a, _ in a },
                body: Array(#"{"path":"/op","headers":\#(headers)}"#.utf8)
            )
            #expect(answer.status == 200, "\(answer.text)")
            let entry = try #require(h.echo.recorder.all.last)
            #expect(entry.path == "/op")
            #expect(Self.spoofedValues(in: entry).isEmpty, "\(Self.spoofedValues(in: entry))")
        } catch {
            await h.finish()
            throw error
        }
        await h.finish()
    }
}
