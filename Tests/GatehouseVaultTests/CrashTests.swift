import Foundation
import GatehouseCore
@testable import GatehouseSQLite
import GatehouseTestSupport
import Testing

/// A writer killed with SIGKILL at random moments never leaves a torn or lost commit behind.
@Suite(.timeLimit(.minutes(5))) struct CrashTests {
    static var writer: String {
        URL(fileURLWithPath: BinaryLocator.gatehouse).deletingLastPathComponent().appendingPathComponent(
            "gatehouse-vault-writer"
        ).path
    }

    @Test func aWriterKilledTwentyTimesLeavesEverySecretOldOrNew() async throws {
        let test = try await TestVault.make()
        let paths = (0..<5).map { "crash/secret-\($0)" }
        var committed: [String: Int] = [:]
        var kills = 0
        var totalCommits = 0
        for round in 0..<20 {
            let output = test.directory + "/writer-\(round).out"
            _ = FileManager.default.createFile(atPath: output, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.writer)
            process.arguments = [test.path, test.key.exportBase64(), String(paths.count)]
            // One open file for both: two would each write from offset 0 over the other's lines.
            let sink = FileHandle(forWritingAtPath: output)
            process.standardOutput = sink
            process.standardError = sink
            try ChildProcesses.run(process)
            let writer = ChildProcesses.owned(process)
            // Wait until it writes, then kill it somewhere in the middle of a write.
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline,
                !(try String(contentsOfFile: output, encoding: .utf8)).contains("committed")
            {
                try await Task.sleep(for: .milliseconds(5))
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 5...150)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
            withExtendedLifetime(writer) {}
            kills += 1

            let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
            #expect(lines.first?.hasPrefix("ready") == true, "\(lines.prefix(3))")
            // The newest round this writer acknowledged anything of (or started after): the one
            // in flight is that round or the next. A writer starts at the highest stored
            // generation, so a path may skip rounds between writers.
            var newestRound = lines.first.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
            for line in lines where line.hasPrefix("committed ") {
                let parts = line.split(separator: " ")
                committed[String(parts[1])] = Int(parts[2])
                newestRound = Swift.max(newestRound, Int(parts[2]) ?? 0)
                totalCommits += 1
            }
            let store = try SQLiteCredentialStore(path: test.path, create: false)
            #expect(try await store.integrityCheck() == "ok")
            let vault = try await Vault.open(store: store, masterKey: test.key)
            #expect(vault.problems.isEmpty)
            for path in paths {
                let last = committed[path] ?? 0
                let value = try vault.secret(for: .vault(path))?.reveal()
                let generation = value.map { Int($0.split(separator: "-")[1]) ?? -1 } ?? 0
                // Acknowledged commits survive; at most the one in flight (of the newest round)
                // also landed.
                #expect(
                    generation == last
                        || (generation > last && (generation == newestRound || generation == newestRound + 1)),
                    "\(path): read generation \(generation), last acknowledged \(last), newest round \(newestRound)")
                // An unacknowledged commit that landed is the baseline for the next writer: that
                // one may land its own in-flight commit on top of it.
                committed[path] = Swift.max(last, generation)
            }
        }
        #expect(kills == 20)
        #expect(totalCommits > 20, "the writer barely wrote: \(totalCommits) commits")
        print("crash test: 20 SIGKILLs, \(totalCommits) acknowledged commits, integrity ok after each")
    }
}
