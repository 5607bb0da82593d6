import Foundation
import Synchronization

/// Every child process a test starts, so none outlives its test or the test run.
///
/// A child is ended when the object that owns it goes away (``GatewayProcess``'s `deinit`, or
/// ``ChildProcesses/owned(_:)``'s guard), which happens when the test returns or throws; what is
/// still running when the test process exits normally is killed by an `atexit` handler.
public enum ChildProcesses {
    private static let live = Mutex<Set<Int32>>([])
    /// Foundation's `Process.run()` on Linux is not safe to call from several threads at once
    /// (seen: a crash in its memcpy while two suites launched children together), so launches
    /// take turns; the children themselves still run in parallel.
    private static let launching = Mutex<Void>(())

    private static let installExitHandler: Void = {
        atexit { ChildProcesses.killAll() }
        // Foundation's Process.run() on Linux reads /proc/self/fd with readdir and copies each
        // entry's whole 256-byte d_name (swift-corelibs-foundation #5472, not yet in this
        // toolchain): when an entry sits at the end of glibc's directory buffer and the next page
        // is unmapped, it crashes (seen in about one full run in three, with many sockets open).
        // That buffer is one malloc of about 32 KiB; served by mmap, it is followed by the rest of
        // its last page, so the over-read stays in mapped memory.
        _ = glibcMallopt(-3 /* M_MMAP_THRESHOLD */, 32 * 1024)
    }()

    /// Starts the server program at `path` with `arguments`, nothing on its standard input and
    /// its output discarded (it logs to files of its own), owned until the returned value goes.
    public static func start(_ path: String, _ arguments: [String]) throws -> OwnedProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try Self.run(process)
        return Self.owned(process)
    }

    /// Starts `process` and records it until ``end(_:)``.
    public static func run(_ process: Process) throws {
        _ = Self.installExitHandler
        try Self.launching.withLock { _ in try process.run() }
        let pid = process.processIdentifier
        Self.live.withLock { _ = $0.insert(pid) }
    }

    /// Kills `process` with SIGKILL if it still runs and waits for it; idempotent.
    public static func end(_ process: Process) {
        let pid = process.processIdentifier
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        Self.live.withLock { _ = $0.remove(pid) }
    }

    /// A guard that ends `process` when it is released (at the end of the test's scope).
    public static func owned(_ process: Process) -> OwnedProcess { OwnedProcess(process) }

    static func killAll() {
        let pids = Self.live.withLock { live in
            defer { live.removeAll() }
            return live
        }
        for pid in pids { kill(pid, SIGKILL) }
    }
}

/// Ends its process when released. `@unchecked Sendable`: `Process` is only signalled and
/// waited for, which is safe from any thread.
public final class OwnedProcess: @unchecked Sendable {
    /// The process.
    public let value: Process
    init(_ value: Process) { self.value = value }
    deinit { ChildProcesses.end(self.value) }
}

/// glibc's `int mallopt(int param, int value)` (malloc.h is not part of the Glibc module).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
