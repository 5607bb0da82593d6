import GatehouseCore
import Synchronization

/// A simulator's clock: real time (or a base clock tests inject) moved by an offset that
/// `POST /_sim/clock` sets (`offset_seconds`) or moves (`advance_seconds`).
public final class SimulatorClock: Sendable {
    private let base: @Sendable () -> Timestamp
    private let offset = Mutex<Int64>(0)

    /// Creates a clock at `base` (real time by default) with no offset.
    public init(base: @escaping @Sendable () -> Timestamp = { Timestamp.now() }) {
        self.base = base
    }

    /// The simulator's time.
    public var now: Timestamp { self.base().adding(seconds: self.offsetSeconds) }

    /// How far the clock is moved from its base.
    public var offsetSeconds: Int64 { self.offset.withLock { $0 } }

    /// Moves the clock by `seconds` (saturating).
    public func advance(seconds: Int64) {
        self.offset.withLock { $0 = Timestamp(seconds: $0).adding(seconds: seconds).seconds }
    }

    /// Sets the offset from the base to `seconds`.
    public func set(offsetSeconds seconds: Int64) { self.offset.withLock { $0 = seconds } }

    /// Back to the base.
    public func reset() { self.set(offsetSeconds: 0) }

    /// The `/_sim/clock` answer: `{"now": ISO 8601, "offset_seconds": N}`.
    var json: Value { ["now": .string(self.now.iso8601), "offset_seconds": .int(Int(self.offsetSeconds))] }
}
