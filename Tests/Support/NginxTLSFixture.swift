import Foundation

/// A real nginx (Debian's nginx-light) serving HTTPS on loopback with the certificates of a
/// ``TLSCertificates``: one port per case. Its access log records, per request, the port, the
/// HTTP version, the TLS version, the client certificate's subject, the request line and the
/// `Authorization` header, so tests can see what reached the upstream and how.
public final class NginxTLSFixture: Sendable {
    /// The HTTPS servers, by case.
    public enum Server: String, Sendable, CaseIterable {
        /// The CA's certificate for 127.0.0.1, HTTP/1.1 only.
        case trusted
        /// The same certificate, offering HTTP/2 by ALPN.
        case http2
        /// The CA's certificate for another name.
        case wrongName
        /// The CA's expired certificate.
        case expired
        /// A self-signed certificate.
        case selfSigned
        /// A certificate from a CA nobody trusts.
        case untrusted
        /// TLS 1.2 only.
        case tls12Only
        /// Requires a client certificate signed by the CA.
        case clientCertificate
    }

    /// Port per server.
    public let ports: [Server: Int]
    /// The directory with the configuration and logs.
    public let directory: String
    private let process: OwnedProcess

    private init(ports: [Server: Int], directory: String, process: OwnedProcess) {
        self.ports = ports
        self.directory = directory
        self.process = process
    }

    /// `https://127.0.0.1:PORT` of `server`.
    public func baseURL(_ server: Server) -> String { "https://127.0.0.1:\(self.ports[server]!)" }

    /// The access log so far (one line per request that reached HTTP).
    public var accessLog: String {
        (try? String(contentsOfFile: self.directory + "/access.log", encoding: .utf8)) ?? ""
    }

    /// The access log lines of `server` once there are at least `count` (nginx writes a line
    /// just after the answer, so a test reading right after its call can be first); what there
    /// is after 10 s otherwise.
    public func requests(to server: Server, awaiting count: Int) async -> [String] {
        let deadline = ContinuousClock.now + .seconds(10)
        var lines = self.requests(to: server)
        while lines.count < count, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
            lines = self.requests(to: server)
        }
        return lines
    }

    /// nginx's error log so far (for failure messages).
    public var errorLog: String {
        (try? String(contentsOfFile: self.directory + "/error.log", encoding: .utf8)) ?? ""
    }

    /// The access log lines of `server`.
    public func requests(to server: Server) -> [String] {
        let port = String(self.ports[server]!)
        return self.accessLog.split(separator: "\n").map(String.init).filter { $0.hasPrefix(port + " ") }
    }

    /// Starts nginx in the foreground (one process, no workers) and returns once every port accepts.
    public static func start(_ certificates: TLSCertificates) async throws -> NginxTLSFixture {
        guard
            let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].first(
                where: FileManager.default.isExecutableFile(atPath:))
        else {
            throw GatewayProcessError(
                message: "nginx is missing: make test installs nginx-light (scripts/install-deps.sh)")
        }
        return try await LoopbackPort.withFreshPorts(Server.allCases.count) { fresh in
            var ports: [Server: Int] = [:]
            for (server, port) in zip(Server.allCases, fresh) { ports[server] = port }
            let directory = try TemporaryDirectory.make()
            func block(_ server: Server, _ pair: TLSCertificates.Pair, extra: String = "") -> String {
                """
                  server {
                    listen 127.0.0.1:\(ports[server]!) ssl\(server == .http2 ? " http2" : "");
                    ssl_certificate \(pair.certificate);
                    ssl_certificate_key \(pair.key);
                    ssl_protocols \(server == .tls12Only ? "TLSv1.2" : "TLSv1.2 TLSv1.3");
                    \(extra)
                    location / { default_type application/json; return 200 \
                '{"server":"\(server.rawValue)","protocol":"$server_protocol"}'; }
                  }
                """
            }
            let clientCertificateBlock = block(
                .clientCertificate, certificates.server,
                extra: "ssl_verify_client on; ssl_client_certificate \(certificates.ca);")
            let config = """
                daemon off;
                master_process off;
                pid \(directory)/nginx.pid;
                error_log \(directory)/error.log info;
                events { worker_connections 256; }
                http {
                  log_format gatehouse '$server_port $server_protocol $ssl_protocol "$ssl_client_s_dn" "$request" \
                "$http_authorization"';
                  access_log \(directory)/access.log gatehouse;
                  client_body_temp_path \(directory)/body;
                  proxy_temp_path \(directory)/proxy;
                  fastcgi_temp_path \(directory)/fastcgi;
                  uwsgi_temp_path \(directory)/uwsgi;
                  scgi_temp_path \(directory)/scgi;
                \(block(.trusted, certificates.server))
                \(block(.http2, certificates.server))
                \(block(.wrongName, certificates.wrongName))
                \(block(.expired, certificates.expired))
                \(block(.selfSigned, certificates.selfSigned))
                \(block(.untrusted, certificates.untrusted))
                \(block(.tls12Only, certificates.server))
                \(clientCertificateBlock)
                }
                """
            try config.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
            let owned = try ChildProcesses.start(
                nginx, ["-c", directory + "/nginx.conf", "-p", directory, "-e", directory + "/error.log"])
            try await LoopbackPort.waitUntilListening(Array(ports.values), by: owned.value, what: "nginx")
            return NginxTLSFixture(ports: ports, directory: directory, process: owned)
        }
    }

    /// Stops nginx.
    public func stop() { ChildProcesses.end(self.process.value) }
}
