/// A document that could not be read (not well-formed, refused, too large or too deep), with
/// the line and column libxml2 reported (0 when unknown).
public struct XMLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong, without the document's content.
    public let message: String
    /// 1-based line, or 0.
    public let line: Int
    /// 1-based column, or 0.
    public let column: Int

    /// Creates an error.
    public init(_ message: String, line: Int, column: Int) {
        self.message = message
        self.line = line
        self.column = column
    }

    public var description: String {
        self.line > 0
            ? "invalid XML at line \(self.line), column \(self.column): \(self.message)"
            : "invalid XML: \(self.message)"
    }
}
