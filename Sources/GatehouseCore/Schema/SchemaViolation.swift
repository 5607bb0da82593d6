/// Where a value breaks its schema: a JSON pointer (RFC 6901) to the offending member and what
/// it must be, e.g. `/filter/0/op: must be one of LT, LE, GT, GE, EQ, NE`.
public struct SchemaViolation: Error, Sendable, Equatable, CustomStringConvertible {
    /// The JSON pointer of the offending value; `""` for the whole value.
    public let pointer: String
    /// What the value must be (or that it is not allowed).
    public let message: String

    /// Creates a violation.
    public init(pointer: String, message: String) {
        self.pointer = pointer
        self.message = message
    }

    /// `pointer: message`, the pointer shortened when a caller's keys made it long.
    public var description: String {
        let place = self.pointer.isEmpty ? "(the arguments)" : self.pointer
        return (place.count > 160 ? place.prefix(160) + "..." : Substring(place)) + ": " + self.message
    }
}
