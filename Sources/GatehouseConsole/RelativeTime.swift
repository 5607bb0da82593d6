import GatehouseCore

/// Times as an operator reads them: "in 3 h", "12 min ago", "just now".
enum RelativeTime {
    /// `time` relative to `now`.
    static func describe(_ time: Timestamp, now: Timestamp) -> String {
        // Both come from the vault or the clock; a wrapped difference still never traps.
        let (difference, overflow) = time.seconds.subtractingReportingOverflow(now.seconds)
        guard !overflow else { return time.iso8601 }
        let future = difference > 0
        let seconds = difference.magnitude
        let amount: String
        switch seconds {
        case 0..<45: return "just now"
        case 45..<(90 * 60): amount = "\(max(1, (seconds + 30) / 60)) min"
        case (90 * 60)..<(36 * 3600): amount = "\((seconds + 1800) / 3600) h"
        default: amount = "\((seconds + 43_200) / 86_400) d"
        }
        return future ? "in " + amount : amount + " ago"
    }
}
