/// Reads an upstream's `Retry-After` (RFC 9110 §10.2.3): delta-seconds, or an IMF-fixdate
/// such as `Sun, 06 Nov 1994 08:49:37 GMT`. Values are bounded: at most `maximumSeconds`.
public enum RetryAfter {
    /// The longest wait honoured (an hour): a longer one is taken as an hour.
    public static let maximumSeconds = 3_600

    /// Seconds to wait from `now`, or `nil` when the value is neither form (then it is ignored).
    public static func seconds(_ value: String?, now: Timestamp = .now()) -> Int? {
        guard let value = value?.trimmingSpaces, !value.isEmpty else { return nil }
        if value.utf8.allSatisfy({ (0x30...0x39).contains($0) }) {
            // Up to 18 digits cannot overflow; longer ones are far beyond the cap anyway.
            guard value.utf8.count <= 18, let seconds = Int(value) else { return Self.maximumSeconds }
            return Swift.min(seconds, Self.maximumSeconds)
        }
        guard let date = Self.imfFixdate(value) else { return nil }
        let delta = date.seconds(since: now)
        return Int(Swift.max(0, Swift.min(delta, Int64(Self.maximumSeconds))))
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func imfFixdate(_ text: String) -> Timestamp? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[0].count == 4, parts[0].hasSuffix(","), parts[5] == "GMT",
            parts[1].count == 2, let day = Int(parts[1]), (1...31).contains(day),
            let month = Self.months.firstIndex(of: String(parts[2])),
            parts[3].count == 4, let year = Int(parts[3]), (1970...9999).contains(year)
        else { return nil }
        let clock = parts[4].split(separator: ":")
        guard clock.count == 3, clock.allSatisfy({ $0.count == 2 }),
            let hour = Int(clock[0]), let minute = Int(clock[1]), let second = Int(clock[2]),
            (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second)
        else { return nil }
        return Timestamp(
            iso8601: String(year) + "-" + two(month + 1) + "-" + two(day) + "T" + two(hour) + ":" + two(minute) + ":"
                + two(second) + "Z")
    }

    private static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: String {
        let bytes = self.utf8
        guard let first = bytes.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }),
            let last = bytes.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })
        else { return "" }
        return String(self[first...last])
    }
}
