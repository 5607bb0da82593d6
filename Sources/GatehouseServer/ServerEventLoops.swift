import Foundation
import NIOCore
import NIOPosix

/// The event loops both listeners run on: one per CPU this process may run on.
///
/// NIO's own singleton sizes itself by the machine's cores (and a cgroup quota), not by the
/// CPUs the process is allowed (`taskset`, a container's cpuset through `sched_setaffinity`).
/// Two loops confined to one CPU take turns on it and each wakes up for its own share of the
/// connections, and with the curl thread beside them every request paid for extra context
/// switches: measured on one CPU (`Benchmarks/overload.sh`), one loop instead of two raised
/// the saturated throughput from 6.4k to 8.4k requests a second and cut the CPU per answer at
/// half of it from 298 to 204 µs. `NIO_SINGLETON_GROUP_LOOP_COUNT`, NIO's own knob, still
/// decides when it is set (1–1024).
enum ServerEventLoops {
    /// Made once, on first use; it lives as long as the process (like NIO's singleton).
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: Self.count)

    /// The number of loops: `NIO_SINGLETON_GROUP_LOOP_COUNT` when valid, else the CPUs in this
    /// process's affinity mask, never more than NIO's core count. Read once: the group is made
    /// with it and the listening line reports it.
    static let count: Int = {
        if let text = ProcessInfo.processInfo.environment["NIO_SINGLETON_GROUP_LOOP_COUNT"], let value = Int(text),
            (1...1024).contains(value)
        {
            return value
        }
        return Swift.max(1, Swift.min(System.coreCount, Self.allowedCPUs ?? System.coreCount))
    }()

    /// How many CPUs this process may run on (its affinity mask, as `Cpus_allowed_list` in
    /// /proc/self/status shows it: `0`, `0-3`, `0,2-3`); `nil` if that cannot be read.
    static var allowedCPUs: Int? {
        guard let handle = FileHandle(forReadingAtPath: "/proc/self/status") else { return nil }
        defer { try? handle.close() }
        // /proc files report a size of 0: read until the end.
        let status = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else {
            return nil
        }
        return Self.count(ofList: line.dropFirst("Cpus_allowed_list:".count))
    }

    /// The CPUs in a Linux CPU list (`0-3,8,10-11` → 7); `nil` when it is not one.
    static func count(ofList list: Substring) -> Int? {
        var total = 0
        for range in list.split(separator: ",") {
            let bounds = range.split(separator: "-", maxSplits: 1).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard let first = bounds.first ?? nil, let last = bounds.last ?? nil, first >= 0, last >= first,
                last < 1 << 20
            else { return nil }
            total += last - first + 1
        }
        return total > 0 ? total : nil
    }
}
