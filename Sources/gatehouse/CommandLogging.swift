import GatehouseServer
import Logging

/// The one log set-up of every command: logfmt lines on standard error
/// (``LogfmtLogHandler``), at the level the command runs at (`serve`: `server.log_level`;
/// `simulate`: notice; the others: warning, so their standard output stays their answer).
enum CommandLogging {
    /// Bootstraps the logging system; once per process, before the first logger is made.
    static func bootstrap(level: Logger.Level, format: LogfmtLogHandler.LogFormat = .logfmt) {
        LoggingSystem.bootstrap { label in LogfmtLogHandler(label: label, level: level, format: format) }
    }
}
