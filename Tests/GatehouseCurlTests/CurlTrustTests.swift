import Foundation
import GatehouseCore
import GatehouseCurl
import GatehouseTestSupport
import Logging
import Testing

/// What `ca_file` and `ca_mode` mean with the libcurl this machine links (Debian's: a CA bundle
/// file and a CA directory), tested against real nginx TLS servers. The "system" CA directory
/// is pointed at a temporary one holding only the other CA, so both sides of each mode show.
@Suite(.timeLimit(.minutes(3))) struct CurlTrustTests {
    @Test func debiansLibcurlHasBothABundleFileAndADirectory() async throws {
        let defaults = SystemTrust.libcurlDefaults
        let (status, output) = try await TLSCertificates.run("/usr/bin/curl-config", ["--ca"])
        #expect(status == 0)
        #expect(defaults.bundle == output.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(defaults.directory == "/etc/ssl/certs", "\(defaults)")
    }

    @Test func addKeepsTheSystemDirectoryReplaceTrustsOnlyTheFile() async throws {
        let certificates = try await TLSCertificates.make()
        let nginx = try await NginxTLSFixture.start(certificates)
        defer { nginx.stop() }
        // A "system" directory trusting only the other CA, as /etc/ssl/certs trusts the public ones.
        let system = try TemporaryDirectory.make()
        try FileManager.default.copyItem(atPath: certificates.otherCA, toPath: system + "/other-ca.pem")
        try await TLSCertificates.openssl(["rehash", system])
        let transport = CurlTransport(
            logger: Logger(label: "test.trust"), systemTrust: SystemTrust(bundle: nil, directory: system))
        defer { transport.shutdown() }

        // What each call answered (status or error kind), with the error's message for a failure.
        var details: [String] = []
        func status(_ server: NginxTLSFixture.Server, caFile: String?, mode: CAMode) async -> String {
            var options = TransportOptions(caFile: caFile)
            options.caMode = mode
            do {
                let response = try await transport.send(
                    .init(method: .get, url: nginx.baseURL(server) + "/", options: options))
                response.body.cancel()
                return String(response.status)
            } catch let error as TransportError {
                details.append("\(server) \(caFile == nil ? "no file" : "file") \(mode): \(error.message)")
                return error.kind.rawValue
            } catch {
                return "\(error)"
            }
        }
        // `.trusted` is signed by the private CA (the file), `.untrusted` by the other CA (the "system").
        // One comparison of all six, so a failure shows every answer.
        let answers = [
            "trusted, no file, add": await status(.trusted, caFile: nil, mode: .add),
            "untrusted, no file, add": await status(.untrusted, caFile: nil, mode: .add),
            "trusted, file, add": await status(.trusted, caFile: certificates.ca, mode: .add),
            "untrusted, file, add": await status(.untrusted, caFile: certificates.ca, mode: .add),
            "trusted, file, replace": await status(.trusted, caFile: certificates.ca, mode: .replace),
            "untrusted, file, replace": await status(.untrusted, caFile: certificates.ca, mode: .replace),
        ]
        #expect(
            answers == [
                "trusted, no file, add": "tls_verification",
                "untrusted, no file, add": "200",
                "trusted, file, add": "200",
                "untrusted, file, add": "200",
                "trusted, file, replace": "200",
                "untrusted, file, replace": "tls_verification",
            ], "errors: \(details); nginx error log: \(nginx.errorLog)")
    }
}
