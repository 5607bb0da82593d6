/// A YAML node with the place it came from, so every error can name `file:line` and the key path.
public struct ConfigNode: Sendable {
    /// The shape of the node.
    public enum Kind: Sendable {
        case scalar(String)
        case mapping([Entry])
        case sequence([ConfigNode])
        case null
    }

    /// One `key: value` pair of a mapping.
    public struct Entry: Sendable {
        public var key: String
        public var value: ConfigNode
    }

    public var kind: Kind
    /// The file the node is in.
    public var file: String
    /// 1-based line of the node (of its key, for mapping values).
    public var line: Int?
    /// Dotted key path from the root.
    public var path: String

    /// Creates a node.
    public init(kind: Kind, file: String, line: Int?, path: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.path = path
    }

    /// An error located at this node.
    public func error(_ message: String) -> ConfigError {
        ConfigError(file: self.file, line: self.line, path: self.path, message: message)
    }

    /// A short name for the node's kind, for messages.
    var kindName: String {
        switch self.kind {
        case .scalar: "a value"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .null: "empty"
        }
    }

    /// The scalar text, or an error naming what was expected.
    public func scalar(expecting what: String) throws(ConfigError) -> String {
        guard case .scalar(let text) = self.kind else { throw self.error("expected \(what), found \(self.kindName)") }
        return text
    }

    /// Reads this node as a mapping whose keys are checked by ``ConfigMap/finish()``.
    public func map() throws(ConfigError) -> ConfigMap {
        switch self.kind {
        case .mapping(let entries): return ConfigMap(node: self, entries: entries)
        case .null: return ConfigMap(node: self, entries: [])
        default: throw self.error("expected a mapping, found \(self.kindName)")
        }
    }

    /// The elements of a list (a single scalar is not a list).
    public func list() throws(ConfigError) -> [ConfigNode] {
        switch self.kind {
        case .sequence(let elements): return elements
        case .null: return []
        default: throw self.error("expected a list, found \(self.kindName)")
        }
    }
}
