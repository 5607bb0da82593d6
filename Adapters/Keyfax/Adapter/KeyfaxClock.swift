import GatehouseCore
import HTTPTypes
import Synchronization

/// Gatehouse's clock as Keyfax sees it: the local time corrected by the skew learned from the
/// upstream's `Date` header, so a gateway clock running ahead does not fail every request.
final class KeyfaxClock: Sendable {
    private let now: @Sendable () -> Timestamp
    private let skew = Mutex<Int64>(0)

    init(now: @escaping @Sendable () -> Timestamp) { self.now = now }

    /// The local time (for expiries Gatehouse keeps itself).
    var local: Timestamp { self.now() }

    /// The timestamp to sign with: upstream time minus one second (servers refuse their future).
    var signingTimestamp: Int64 { self.now().seconds + self.skew.withLock { $0 } - 1 }

    /// The largest skew believed: a `Date` further off than a day is a broken or hostile
    /// header, not a clock, and is ignored.
    static let maximumSkewSeconds: Int64 = 86_400

    /// Learns the skew from a response's `Date` header; `true` when it changed by more than 2 s.
    @discardableResult
    func learn(from headers: HTTPFields) -> Bool {
        guard let text = headers[.date], let upstream = HTTPDate.parse(text) else { return false }
        let skew = Timestamp(seconds: upstream).seconds(since: self.now())
        guard (-Self.maximumSkewSeconds...Self.maximumSkewSeconds).contains(skew) else { return false }
        return self.skew.withLock { current in
            defer { current = skew }
            return abs(current - skew) > 2
        }
    }
}

/// RFC 7231 IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form servers send.
enum HTTPDate {
    static func parse(_ text: String) -> Int64? {
        let parts = text.split(separator: " ")
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]),
            let month = months.firstIndex(of: String(parts[2])),
            let year = Int(parts[3])
        else { return nil }
        let time = parts[4].split(separator: ":")
        guard time.count == 3 else { return nil }
        let iso =
            self.padded(year, 4) + "-" + self.padded(month + 1, 2) + "-" + self.padded(day, 2) + "T"
            + time.joined(separator: ":") + "Z"
        return Timestamp(iso8601: iso)?.seconds
    }

    private static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
