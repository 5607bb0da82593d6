/// A credential value. Printing, debugging, interpolating or encoding it yields `<redacted>`;
/// only code that must put the bytes on the wire opens it with ``withBytes(_:)`` or ``reveal()``.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable, Encodable
{
    private let bytes: [UInt8]

    /// Wraps raw bytes.
    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// Wraps the UTF-8 bytes of `string`.
    public init(_ string: String) { self.bytes = Array(string.utf8) }

    /// Whether the secret is empty (an empty credential is never sent).
    public var isEmpty: Bool { self.bytes.isEmpty }

    /// Calls `body` with the secret bytes.
    public func withBytes<R>(_ body: ([UInt8]) throws -> R) rethrows -> R { try body(self.bytes) }

    /// The secret as text, for signers that need it; never log the result.
    public func reveal() -> String { String(decoding: self.bytes, as: UTF8.self) }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode("<redacted>")
    }
}
