import Foundation
import GatehouseCore
import GatehouseTestSupport
import Testing

@Suite(.timeLimit(.minutes(2))) struct CLITests {
    func writeConfig(_ text: String) throws -> String {
        let path = try TemporaryDirectory.make() + "/gatehouse.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func checkConfigAcceptsTheDemoConfiguration() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let result = try await GatewayProcess.run([
            "check-config", "--config", root.appendingPathComponent("Config/gatehouse.yaml").path,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("ok"))
    }

    @Test(arguments: [
        (
            "connections:\n  a:\n    adapter: http\n    base_url: http://x\n    colour: red\n",
            ":5: connections.a.colour: unknown key"
        ),
        ("connections:\n  a:\n    adapter: http\n", ":2: connections.a.base_url: missing required key"),
        (
            "connections:\n  a:\n    adapter: http\n    base_url: nope\n",
            ":4: connections.a.base_url: \"nope\" is not an absolute"
        ),
        (
            "connections:\n  a:\n    adapter: gopher\n    base_url: http://x\n",
            ":3: connections.a.adapter: unknown adapter \"gopher\""
        ),
        (
            "connections:\n  a:\n    adapter: http\n    base_url: http://x\n    options: { template: \"{t}\" }\n",
            ":5: connections.a.options: template refers to {t}"
        ),
        (
            """
            connections:\n  a: {adapter: http, base_url: \"http://x\"}\n  a: {adapter: http, base_url: \
            \"http://y\"}\n
            """,
            "duplicate"
        ),
    ])
    func checkConfigRefusesBadFilesWithFileAndLine(config: String, expected: String) async throws {
        let path = try self.writeConfig(config)
        let result = try await GatewayProcess.run(["check-config", "--config", path])
        #expect(result.status != 0)
        #expect(result.stderr.contains(path), "\(result.stderr)")
        #expect(result.stderr.contains(expected), "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test(arguments: [
        ("k2", "like_hash: ends_with", "like_hash"), ("k2", "page_size: 0", "page_size"),
        ("keyfax", "signature_fields: [identity, method, url]", "signature_fields"),
        ("keyfax", "signature_fields: [identity, method, url, timestamp, nonce, nonce]", "signature_fields"),
        ("keyfax", "url_case: upper", "url_case"), ("keyfax", "url_encoding: rfc3986", "url_encoding"),
        ("keyfax", "url_form: host", "url_form"), ("keyfax", "signing_key: hex", "signing_key"),
        ("keyfax", "startup_xml: attachment", "startup_xml"),
        ("keyfax", "startup_xml_root: \"<x>\"", "startup_xml_root"),
        ("keyfax", "results_xml_root: \"1abc\"", "results_xml_root"),
    ])
    func checkConfigRefusesBadFidelityKnobsWithFileAndLine(adapter: String, line: String, key: String) async throws {
        let path = try self.writeConfig(
            """
            connections:\n  u:\n    adapter: \(adapter)\n    base_url: http://127.0.0.1:1/x\n    options:\n      \
            host_name: Dev\n      \(line)\n
            """
        )
        let result = try await GatewayProcess.run(["check-config", "--config", path])
        #expect(result.status != 0)
        #expect(result.stderr.contains(path + ":7:"), "\(result.stderr)")
        #expect(result.stderr.contains(key), "\(result.stderr)")
    }

    @Test func serveRefusesAMissingCredentialNamingConnectionAndKey() async throws {
        let path = try self.writeConfig(
            """
            connections:\n  crm:\n    adapter: http\n    base_url: http://127.0.0.1:1\n    credentials: { token: \
            env:GH_TEST_UNSET_VAR }\n    options: { template: \"Bearer {token}\" }\n
            """
        )
        let result = try await GatewayProcess.run(["serve", "--config", path, "--port", "0"])
        #expect(result.status != 0)
        #expect(
            result.stderr.contains("connection crm: credential token (env:GH_TEST_UNSET_VAR) is not set"),
            "\(result.stderr)")
    }

    @Test func clientsAddPrintsAKeyWhoseHashIsTheConfigLine() async throws {
        let result = try await GatewayProcess.run(["clients", "add", "erp", "--connections", "crm,billing"])
        #expect(result.status == 0)
        let key = try #require(
            result.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.first {
                $0.hasPrefix("gh_")
            })
        #expect(key.count == 46)
        let hashLine = try #require(result.stdout.split(separator: "\n").first { $0.contains("key_sha256") })
        let hash = hashLine.split(separator: "\"")[1]
        #expect(hash.count == 64)
        let expected = APIKeyTestHash.sha256Hex(key)
        #expect(String(hash) == expected)
        #expect(result.stdout.contains("connections: [crm, billing]"))
    }
}

/// SHA-256 through the system's `sha256sum`, independent of the project's own crypto.
enum APIKeyTestHash {
    static func sha256Hex(_ text: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try? ChildProcesses.run(process)
        input.fileHandleForWriting.write(Data(text.utf8))
        try? input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        ChildProcesses.end(process)
        return String(decoding: data, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
    }
}
