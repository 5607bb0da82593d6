import Foundation
import Synchronization

/// The real `gatehouse` binary run as a child process with a configuration written for the test.
/// Its standard error (the log) is captured to a file the test can search.
public final class GatewayProcess: Sendable {
    /// The port the gateway listens on (the data plane).
    public let port: Int
    /// The admin listener's port, when the configuration has an `admin:` section.
    public let adminPort: Int?
    /// Where the captured log is.
    public let logPath: String
    /// The configuration file used.
    public let configPath: String
    private let process: SendableProcess

    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { "http://127.0.0.1:\(self.port)" }

    /// `http://127.0.0.1:ADMIN_PORT`: the admin API, `/oauth/{c}/start` and the console. A
    /// gateway without an admin listener gets a URL nothing listens on.
    public var adminURL: String { "http://127.0.0.1:\(self.adminPort ?? 1)" }

    /// Starts `gatehouse serve` with `config` (YAML text; `server.port` and `admin.port` are
    /// forced to free ones) and extra environment variables; returns once every listener listens.
    /// `wrapper` runs it under another program that then executes it (e.g. `taskset -c 0`).
    public static func start(config: String, environment: [String: String] = [:], wrapper: [String] = []) async throws
        -> GatewayProcess
    {
        let directory = try TemporaryDirectory.make()
        let configPath = directory + "/gatehouse.yaml"
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        let logPath = directory + "/gateway.log"
        let (process, _) = try Self.launch(
            arguments: ["serve", "--config", configPath, "--port", "0", "--admin-port", "0"],
            environment: environment,
            logPath: logPath,
            wrapper: wrapper
        )
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let port = Self.listeningPort(in: logPath) {
                let adminPort = Self.listeningPort(in: logPath, key: " admin_port=")
                return GatewayProcess(
                    port: port, adminPort: adminPort, logPath: logPath, configPath: configPath, process: process)
            }
            if !process.value.isRunning {
                ChildProcesses.end(process.value)
                let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                throw GatewayProcessError(message: "gatehouse exited with \(process.value.terminationStatus): \(log)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        ChildProcesses.end(process.value)
        throw GatewayProcessError(message: "gatehouse did not start listening within 30 s")
    }

    /// Starts `gatehouse simulate NAME` on a free port in its own process; `arguments` are
    /// appended (e.g. `--config FILE`).
    public static func simulator(_ name: String, arguments: [String] = []) async throws -> GatewayProcess {
        let directory = try TemporaryDirectory.make()
        let logPath = directory + "/simulator.log"
        let (process, _) = try Self.launch(
            arguments: ["simulate", name, "--port", "0"] + arguments, environment: [:], logPath: logPath)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let port = Self.listeningPort(in: logPath), port > 0 {
                return GatewayProcess(port: port, adminPort: nil, logPath: logPath, configPath: "", process: process)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        ChildProcesses.end(process.value)
        throw GatewayProcessError(message: "simulator \(name) did not start")
    }

    private init(port: Int, adminPort: Int?, logPath: String, configPath: String, process: SendableProcess) {
        self.port = port
        self.adminPort = adminPort
        self.logPath = logPath
        self.configPath = configPath
        self.process = process
    }

    // A test that throws before `stop()` still ends its gateway: the last reference goes with it.
    deinit { ChildProcesses.end(self.process.value) }

    /// Runs `gatehouse ARGS` to completion: exit status, standard output and standard error.
    ///
    /// Async, and it waits without blocking a thread: the cooperative pool has one thread per
    /// core, and a command that calls a simulator served in this test process (a Keyfax
    /// bootstrap, say) would otherwise deadlock against the thread waiting for it.
    public static func run(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil)
        async throws -> (
            status: Int32, stdout: String, stderr: String
        )
    {
        let directory = try TemporaryDirectory.make()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BinaryLocator.gatehouse)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let out = directory + "/out"
        let err = directory + "/err"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: err)
        let exited = ExitSignal()
        process.terminationHandler = { _ in exited.fire() }
        if let stdin {
            let pipe = Pipe()
            process.standardInput = pipe
            try ChildProcesses.run(process)
            pipe.fileHandleForWriting.write(Data(stdin.utf8))
            try pipe.fileHandleForWriting.close()
        } else {
            process.standardInput = FileHandle.nullDevice
            try ChildProcesses.run(process)
        }
        defer { ChildProcesses.end(process) }
        await exited.wait()
        return (
            process.terminationStatus,
            (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
            (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
        )
    }

    static func launch(arguments: [String], environment: [String: String], logPath: String, wrapper: [String] = [])
        throws -> (SendableProcess, Void)
    {
        let process = Process()
        if let program = wrapper.first {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(wrapper.dropFirst()) + [BinaryLocator.gatehouse] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: BinaryLocator.gatehouse)
            process.arguments = arguments
        }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        // One open file for both: two would each write from offset 0 over the other's lines.
        let sink = FileHandle(forWritingAtPath: logPath)
        process.standardError = sink
        process.standardOutput = sink
        process.standardInput = FileHandle.nullDevice
        try ChildProcesses.run(process)
        return (SendableProcess(process), ())
    }

    /// The port after `key` on the first "listening" (or simulator ready) line. The gateway writes
    /// that line once every listener is bound: `port=` is the data plane, `admin_port=` the admin
    /// listener.
    static func listeningPort(in logPath: String, key: String = " port=") -> Int? {
        guard let log = try? String(contentsOfFile: logPath, encoding: .utf8) else { return nil }
        for line in log.split(separator: "\n")
        where line.contains("msg=listening") || line.contains("msg=\"simulator ready\"") {
            if let range = line.range(of: key) {
                return Int(line[range.upperBound...].prefix { $0.isNumber })
            }
        }
        // `server.log_format: json`: the same line as an object, `"port":"8080"`.
        let name = key.trimmingCharacters(in: CharacterSet(charactersIn: " ="))
        for line in log.split(separator: "\n") where line.contains(#""msg":"listening""#) {
            if let range = line.range(of: "\"\(name)\":\"") {
                return Int(line[range.upperBound...].prefix { $0.isNumber })
            }
        }
        return nil
    }

    /// The log captured so far.
    public var log: String { (try? String(contentsOfFile: self.logPath, encoding: .utf8)) ?? "" }

    /// The process id.
    public var pid: Int32 { self.process.value.processIdentifier }

    /// Whether the process still runs.
    public var isRunning: Bool { self.process.value.isRunning }

    /// Sends `signal` (SIGTERM by default) and waits up to `timeout` for exit; returns the status.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(30)) async -> Int32 {
        if self.process.value.isRunning { kill(self.process.value.processIdentifier, signal) }
        let deadline = ContinuousClock.now + timeout
        while self.process.value.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        ChildProcesses.end(self.process.value)
        return self.process.value.terminationStatus
    }

    /// Peak resident memory of the process so far (VmHWM), in bytes.
    public var peakResidentBytes: Int? { Self.status(pid: self.pid, field: "VmHWM") }

    /// Current resident memory (VmRSS), in bytes.
    public var residentBytes: Int? { Self.status(pid: self.pid, field: "VmRSS") }

    static func status(pid: Int32, field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first
            return kilobytes.map { $0 * 1024 }
        }
        return nil
    }
}

/// Why the gateway process could not be used.
public struct GatewayProcessError: Error, CustomStringConvertible {
    public let message: String
    /// An error with `message`.
    public init(message: String) { self.message = message }
    public var description: String { self.message }
}

/// `Process` is a class without Sendable conformance; it is only read (status, pid) after launch.
final class SendableProcess: @unchecked Sendable {
    let value: Process
    init(_ value: Process) { self.value = value }
}

/// Finds the built `gatehouse` binary next to the test bundle or under `.build/`.
public enum BinaryLocator {
    /// Absolute path of the `gatehouse` executable.
    public static let gatehouse: String = {
        if let explicit = ProcessInfo.processInfo.environment["GATEHOUSE_BINARY"] { return explicit }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "gatehouse"
        ).path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/gatehouse").path
    }()
}

/// Fresh temporary directories for test files.
public enum TemporaryDirectory {
    /// Creates and returns a new empty directory.
    public static func make() throws -> String {
        let path = NSTemporaryDirectory() + "gatehouse-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// Fired once by a process's termination handler; awaited without blocking a thread.
final class ExitSignal: Sendable {
    private struct State: ~Copyable {
        var fired = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func fire() {
        let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.fired = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = self.state.withLock { state -> Bool in
                if state.fired { return true }
                state.waiter = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }
}
