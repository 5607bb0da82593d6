import Logging
import Synchronization

/// Log lines written through a ``CapturedLog/logger``, rendered as text with their metadata,
/// for tests that search the log for what must never be there.
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])

    /// A logger writing into this capture at `level`.
    func logger(level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: "test.okit") { _ in Handler(capture: self) }
        logger.logLevel = level
        return logger
    }

    /// Everything written so far.
    var text: String { self.lines.withLock { $0.joined(separator: "\n") } }

    fileprivate func append(_ line: String) { self.lines.withLock { $0.append(line) } }

    private struct Handler: LogHandler {
        let capture: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { self.metadata[key] }
            set { self.metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = self.metadata.merging(event.metadata ?? [:]) { _, new in new }
            let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            self.capture.append("level=\(event.level) msg=\(event.message) \(fields)")
        }
    }
}
