import Foundation

/// A real forward proxy (Debian's tinyproxy) on loopback, optionally requiring a Basic login,
/// with its log (request lines and CONNECT targets) in a file the test can read. With a
/// certificate it is an HTTPS proxy: nginx's stream module terminates TLS in front of it.
public final class ForwardProxyFixture: Sendable {
    /// The port it listens on.
    public let port: Int
    /// The directory with its configuration and log.
    public let directory: String
    private let process: OwnedProcess
    /// The TLS front (nginx), when the proxy is an HTTPS proxy.
    private let front: OwnedProcess?

    private init(port: Int, directory: String, process: OwnedProcess, front: OwnedProcess?) {
        self.port = port
        self.directory = directory
        self.process = process
        self.front = front
    }

    /// `http://127.0.0.1:PORT`, or `https://...` for an HTTPS proxy.
    public var url: String { "\(self.front == nil ? "http" : "https")://127.0.0.1:\(self.port)" }

    /// Everything the proxy logged.
    public var log: String { (try? String(contentsOfFile: self.directory + "/tinyproxy.log", encoding: .utf8)) ?? "" }

    /// Starts tinyproxy in the foreground; `login` makes it require that Basic user and password;
    /// `tls` puts a TLS front with that certificate before it.
    public static func start(login: (user: String, password: String)? = nil, tls: TLSCertificates.Pair? = nil)
        async throws -> ForwardProxyFixture
    {
        guard
            let tinyproxy = ["/usr/bin/tinyproxy", "/usr/sbin/tinyproxy"].first(
                where: FileManager.default.isExecutableFile(atPath:))
        else {
            throw GatewayProcessError(message: "tinyproxy is missing: make test installs it (scripts/install-deps.sh)")
        }
        let (port, directory, owned) = try await LoopbackPort.withFreshPorts(1) { fresh in
            let port = fresh[0]
            let directory = try TemporaryDirectory.make()
            var config = """
                Port \(port)
                Listen 127.0.0.1
                Timeout 30
                LogFile "\(directory)/tinyproxy.log"
                LogLevel Info
                MaxClients 50
                Allow 127.0.0.1
                DisableViaHeader Yes

                """
            if let login { config += "BasicAuth \(login.user) \(login.password)\n" }
            try config.write(toFile: directory + "/tinyproxy.conf", atomically: true, encoding: .utf8)
            let owned = try ChildProcesses.start(tinyproxy, ["-d", "-c", directory + "/tinyproxy.conf"])
            try await LoopbackPort.waitUntilListening([port], by: owned.value, what: "tinyproxy")
            return (port, directory, owned)
        }
        guard let tls else { return ForwardProxyFixture(port: port, directory: directory, process: owned, front: nil) }
        let (frontPort, front) = try await LoopbackPort.withFreshPorts(1) { fresh in
            (fresh[0], try await Self.startFront(port: fresh[0], target: port, pair: tls, directory: directory))
        }
        return ForwardProxyFixture(port: frontPort, directory: directory, process: owned, front: front)
    }

    /// nginx's stream module terminating TLS on `port` and passing the bytes to `target`.
    private static func startFront(port: Int, target: Int, pair: TLSCertificates.Pair, directory: String) async throws
        -> OwnedProcess
    {
        guard
            let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].first(
                where: FileManager.default.isExecutableFile(atPath:))
        else {
            throw GatewayProcessError(
                message: "nginx is missing: make test installs nginx-light (scripts/install-deps.sh)")
        }
        let module = "/usr/lib/nginx/modules/ngx_stream_module.so"
        guard FileManager.default.fileExists(atPath: module) else {
            throw GatewayProcessError(
                message: "nginx's stream module is missing: make test installs libnginx-mod-stream")
        }
        let config = """
            load_module \(module);
            daemon off;
            master_process off;
            pid \(directory)/front.pid;
            error_log \(directory)/front-error.log info;
            events { worker_connections 64; }
            stream {
              server {
                listen 127.0.0.1:\(port) ssl;
                ssl_certificate \(pair.certificate);
                ssl_certificate_key \(pair.key);
                proxy_pass 127.0.0.1:\(target);
              }
            }
            """
        try config.write(toFile: directory + "/front.conf", atomically: true, encoding: .utf8)
        let owned = try ChildProcesses.start(
            nginx, ["-c", directory + "/front.conf", "-p", directory, "-e", directory + "/front-error.log"])
        try await LoopbackPort.waitUntilListening([port], by: owned.value, what: "the proxy's TLS front")
        return owned
    }

    /// Stops the proxy (and its TLS front).
    public func stop() {
        if let front = self.front { ChildProcesses.end(front.value) }
        ChildProcesses.end(self.process.value)
    }
}
