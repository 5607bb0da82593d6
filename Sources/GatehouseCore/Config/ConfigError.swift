/// A configuration problem, reported as `file:line: key.path: message`.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// The file the problem is in.
    public var file: String
    /// The 1-based line, when the parser knows it.
    public var line: Int?
    /// The dotted key path, e.g. `connections.crm.base_url`.
    public var path: String
    /// What is wrong, and where possible how to fix it.
    public var message: String

    /// Creates an error.
    public init(file: String, line: Int?, path: String, message: String) {
        self.file = file
        self.line = line
        self.path = path
        self.message = message
    }

    public var description: String {
        let location = self.line.map { "\(self.file):\($0)" } ?? self.file
        return self.path.isEmpty ? "\(location): \(self.message)" : "\(location): \(self.path): \(self.message)"
    }
}
