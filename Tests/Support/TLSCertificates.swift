import Foundation

/// Certificates made by `openssl` for one test run, in a temporary directory: a private CA, a
/// server certificate for 127.0.0.1 / localhost, one for the wrong name, an expired one, a
/// self-signed one, one from a CA nobody trusts, a client certificate, and a spare key that
/// belongs to none of them. Every path is a PEM file.
public struct TLSCertificates: Sendable {
    /// The directory holding every file.
    public let directory: String

    /// The private CA's certificate (what a connection's `ca_file` names).
    public var ca: String { self.directory + "/ca.pem" }
    /// Signed by the CA for `localhost` and `127.0.0.1`.
    public var server: Pair { Pair(directory: self.directory, name: "server") }
    /// A second certificate for the same names (a renewal).
    public var renewed: Pair { Pair(directory: self.directory, name: "renewed") }
    /// Signed by the CA for `wrong.example` only.
    public var wrongName: Pair { Pair(directory: self.directory, name: "wrong-name") }
    /// Signed by the CA, valid in 2020 only.
    public var expired: Pair { Pair(directory: self.directory, name: "expired") }
    /// Its own issuer, for `127.0.0.1`.
    public var selfSigned: Pair { Pair(directory: self.directory, name: "self-signed") }
    /// Signed by another CA, for `127.0.0.1`.
    public var untrusted: Pair { Pair(directory: self.directory, name: "untrusted") }
    /// A client certificate signed by the CA (`CN=gatehouse-client`).
    public var client: Pair { Pair(directory: self.directory, name: "client") }
    /// The other CA's certificate (for tests that trust it through a "system" directory).
    public var otherCA: String { self.directory + "/other-ca.pem" }
    /// A key that matches no certificate here.
    public var strayKey: String { self.directory + "/stray.key" }

    /// A certificate and its key.
    public struct Pair: Sendable {
        let directory: String
        let name: String
        public var certificate: String { "\(self.directory)/\(self.name).pem" }
        public var key: String { "\(self.directory)/\(self.name).key" }
        /// The certificate's text.
        public var certificatePEM: String { (try? String(contentsOfFile: self.certificate, encoding: .utf8)) ?? "" }
        /// The key's text.
        public var keyPEM: String { (try? String(contentsOfFile: self.key, encoding: .utf8)) ?? "" }
    }

    /// Makes every certificate (a few seconds of `openssl`).
    public static func make() async throws -> TLSCertificates {
        let directory = try TemporaryDirectory.make()
        let certificates = TLSCertificates(directory: directory)
        try await certificates.makeAll()
        return certificates
    }

    private func makeAll() async throws {
        let d = self.directory
        try await Self.openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(d)/ca.key",
            "-out", "\(d)/ca.pem", "-days", "30", "-subj", "/CN=Gatehouse Test CA",
        ])
        try await Self.openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
            "\(d)/other-ca.key",
            "-out", "\(d)/other-ca.pem", "-days", "30", "-subj", "/CN=Untrusted Test CA",
        ])
        let names = "subjectAltName=DNS:localhost,IP:127.0.0.1"
        try await self.issue("server", subject: "/CN=localhost", extensions: names)
        try await self.issue("renewed", subject: "/CN=localhost-renewed", extensions: names)
        try await self.issue("wrong-name", subject: "/CN=wrong.example", extensions: "subjectAltName=DNS:wrong.example")
        try await self.issue("untrusted", subject: "/CN=localhost", extensions: names, ca: "other-ca")
        try await self.issue("client", subject: "/CN=gatehouse-client", extensions: "extendedKeyUsage=clientAuth")
        try await self.issueExpired()
        try await Self.openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "\(d)/self-signed.key", "-out", "\(d)/self-signed.pem", "-days", "30", "-subj", "/CN=localhost",
            "-addext", names,
        ])
        try await Self.openssl([
            "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "\(d)/stray.key",
        ])
    }

    private func issue(_ name: String, subject: String, extensions: String, ca: String = "ca") async throws {
        let d = self.directory
        try await Self.openssl([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(d)/\(name).key",
            "-out", "\(d)/\(name).csr", "-subj", subject,
        ])
        try "\(extensions)\n".write(toFile: "\(d)/\(name).ext", atomically: true, encoding: .utf8)
        try await Self.openssl([
            "x509", "-req", "-in", "\(d)/\(name).csr", "-CA", "\(d)/\(ca).pem", "-CAkey", "\(d)/\(ca).key",
            "-CAcreateserial", "-out", "\(d)/\(name).pem", "-days", "30", "-extfile", "\(d)/\(name).ext",
        ])
    }

    /// `openssl x509` cannot back-date; `openssl ca` takes explicit start and end dates.
    private func issueExpired() async throws {
        let d = self.directory
        try "".write(toFile: "\(d)/index.txt", atomically: true, encoding: .utf8)
        try "1000\n".write(toFile: "\(d)/serial", atomically: true, encoding: .utf8)
        let config = """
            [ca]
            default_ca = test
            [test]
            database = \(d)/index.txt
            serial = \(d)/serial
            new_certs_dir = \(d)
            certificate = \(d)/ca.pem
            private_key = \(d)/ca.key
            default_md = sha256
            policy = anything
            copy_extensions = none
            [anything]
            commonName = supplied
            [ext]
            subjectAltName = DNS:localhost,IP:127.0.0.1
            """
        try config.write(toFile: "\(d)/ca.cnf", atomically: true, encoding: .utf8)
        try await Self.openssl([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(d)/expired.key",
            "-out", "\(d)/expired.csr", "-subj", "/CN=localhost",
        ])
        try await Self.openssl([
            "ca", "-batch", "-config", "\(d)/ca.cnf", "-extensions", "ext", "-notext", "-in", "\(d)/expired.csr",
            "-out", "\(d)/expired.pem", "-startdate", "20200101000000Z", "-enddate", "20200102000000Z",
        ])
    }

    /// Runs `openssl` with `arguments`; throws with its output when it fails.
    public static func openssl(_ arguments: [String]) async throws {
        let (status, output) = try await Self.run("/usr/bin/openssl", arguments)
        guard status == 0 else {
            throw GatewayProcessError(
                message: "openssl \(arguments.prefix(2).joined(separator: " ")) failed: \(output)")
        }
    }

    /// Runs a program to completion without blocking a thread: status and combined output.
    public static func run(_ executable: String, _ arguments: [String]) async throws -> (Int32, String) {
        let directory = try TemporaryDirectory.make()
        let outputPath = directory + "/output"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let sink = FileHandle(forWritingAtPath: outputPath)
        process.standardOutput = sink
        process.standardError = sink
        process.standardInput = FileHandle.nullDevice
        let exited = ExitSignal()
        process.terminationHandler = { _ in exited.fire() }
        try ChildProcesses.run(process)
        defer { ChildProcesses.end(process) }
        await exited.wait()
        return (process.terminationStatus, (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")
    }
}
