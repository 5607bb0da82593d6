import Foundation
import Logging
import PostgresNIO

/// The throwaway PostgreSQL cluster `make test` starts (scripts/with-postgres.sh): a fresh
/// database per test, raw SQL beside the store, and stopping and starting the server for the
/// outage tests. Without the cluster every PostgreSQL test fails with a message saying how to
/// run it; none passes silently.
public enum TestPostgres {
    /// Why the cluster is missing.
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    /// The cluster's administrative URL (database `postgres`).
    public static func adminURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["GATEHOUSE_TEST_PG_URL"], !url.isEmpty else {
            throw Unavailable(
                description:
                    """
                    GATEHOUSE_TEST_PG_URL is not set: run the suite with `make test` or `scripts/with-postgres.sh \
                    swift test`
                    """
            )
        }
        return url
    }

    /// A new, empty database on the cluster (or the one `cluster` names); returns its URL.
    public static func freshDatabase(on cluster: String? = nil) async throws -> String {
        let admin = try cluster ?? self.adminURL()
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        _ = try await self.withClient(admin) { client in
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        }
        return self.url(admin, database: name)
    }

    /// `url` with its database replaced by `database`.
    public static func url(_ url: String, database: String) -> String {
        var components = URLComponents(string: url)!
        components.path = "/" + database
        return components.string!
    }

    /// Runs `body` with a client connected to `url`, closed afterwards.
    public static func withClient<T: Sendable>(_ url: String, _ body: @Sendable (PostgresClient) async throws -> T)
        async throws -> T
    {
        let components = URLComponents(string: url)!
        let configuration = PostgresClient.Configuration(
            host: components.host!,
            port: components.port ?? 5432,
            username: components.user!,
            password: components.password?.removingPercentEncoding,
            database: String(components.path.dropFirst()),
            tls: .disable
        )
        let client = PostgresClient(configuration: configuration, backgroundLogger: Logger(label: "test.postgres"))
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    /// The rows `sql` returns on `url`'s database, every cell as text (cast in the SQL: `fence::text`);
    /// `nil` for NULL.
    public static func rows(_ url: String, _ sql: String) async throws -> [[String?]] {
        try await self.withClient(url) { client in
            var rows: [[String?]] = []
            for try await row in try await client.query(PostgresQuery(unsafeSQL: sql)) {
                rows.append(try row.map { try $0.decode(String?.self) })
            }
            return rows
        }
    }

    /// The cluster's data directory (to look for plaintext at rest).
    public static func dataDirectory() throws -> String {
        guard let data = ProcessInfo.processInfo.environment["GATEHOUSE_TEST_PG_DATA"], !data.isEmpty else {
            throw Unavailable(description: "GATEHOUSE_TEST_PG_DATA is not set: run the suite with `make test`")
        }
        return data
    }

    /// A cluster of the test's own (for stopping and starting it), removed when released.
    public static func privateCluster() async throws -> PrivateCluster {
        guard let script = ProcessInfo.processInfo.environment["GATEHOUSE_TEST_PG_CLUSTER"], !script.isEmpty else {
            throw Unavailable(description: "GATEHOUSE_TEST_PG_CLUSTER is not set: run the suite with `make test`")
        }
        let directory = try TemporaryDirectory.make() + "/cluster"
        let url = try await PrivateCluster.control(script, "init", directory)
        return PrivateCluster(script: script, directory: directory, url: url)
    }
}

/// A throwaway PostgreSQL cluster of one test (scripts/pg-cluster.sh), destroyed when released.
public final class PrivateCluster: Sendable {
    let script: String
    let directory: String
    /// Its administrative URL (database `postgres`).
    public let url: String

    init(script: String, directory: String, url: String) {
        self.script = script
        self.directory = directory
        self.url = url
    }

    deinit {
        // Synchronous on purpose: the cluster must be gone when the test's scope ends.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: self.script)
        process.arguments = ["destroy", self.directory]
        process.standardOutput = FileHandle.nullDevice
        if (try? process.run()) != nil { process.waitUntilExit() }
    }

    /// Stops the server (`pg_ctl stop -m fast`): every connection drops, new ones are refused.
    public func stop() async throws { _ = try await Self.control(self.script, "stop", self.directory) }

    /// Starts it again on the same port with the same data.
    public func start() async throws { _ = try await Self.control(self.script, "start", self.directory) }

    /// Runs the script to completion without blocking a pool thread; its standard output.
    static func control(_ script: String, _ verb: String, _ directory: String) async throws -> String {
        let out = try TemporaryDirectory.make() + "/out"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.arguments = [verb, directory]
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardInput = FileHandle.nullDevice
        let exited = ExitSignal()
        process.terminationHandler = { _ in exited.fire() }
        try process.run()
        await exited.wait()
        guard process.terminationStatus == 0 else {
            throw TestPostgres.Unavailable(
                description: "pg-cluster.sh \(verb) exited with \(process.terminationStatus)")
        }
        return ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").trimmingCharacters(
            in: .whitespacesAndNewlines)
    }
}
