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

        func status(_ server: NginxTLSFixture.Server, caFile: String?, mode: CAMode) async -> String {
            var options = TransportOptions(caFile: caFile)
            options.caMode = mode
            do {
                let response = try await transport.send(
                    .init(method: .get, url: nginx.baseURL(server) + "/", options: options))
                response.body.cancel()
                return String(response.status)
            } catch let error as TransportError {
                return error.kind.rawValue
            } catch {
                return "\(error)"
            }
        }
        // `.trusted` is signed by the private CA (the file), `.untrusted` by the other CA (the "system").
        #expect(await status(.trusted, caFile: nil, mode: .add) == "tls_verification")
        #expect(await status(.untrusted, caFile: nil, mode: .add) == "200")
        #expect(await status(.trusted, caFile: certificates.ca, mode: .add) == "200")
        #expect(await status(.untrusted, caFile: certificates.ca, mode: .add) == "200")
        #expect(await status(.trusted, caFile: certificates.ca, mode: .replace) == "200")
        #expect(await status(.untrusted, caFile: certificates.ca, mode: .replace) == "tls_verification")
    }
}
