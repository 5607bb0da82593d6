/// Reads the keys of one mapping and, at ``finish()``, refuses every key nobody asked for.
///
/// ```swift
/// var map = try node.map()
/// let header = try map.string("header") ?? "Authorization"
/// try map.finish()   // "file:12: connections.crm.options.heder: unknown key (known: basic, header, template)"
/// ```
public struct ConfigMap: Sendable {
    /// The mapping node itself.
    public let node: ConfigNode
    private let entries: [ConfigNode.Entry]
    private var known: [String] = []

    init(node: ConfigNode, entries: [ConfigNode.Entry]) {
        self.node = node
        self.entries = entries
    }

    /// All entries in document order (for maps keyed by name, such as `connections`).
    public var allEntries: [ConfigNode.Entry] { self.entries }

    /// The node under `key`, marking the key as known.
    public mutating func node(_ key: String) -> ConfigNode? {
        self.known.append(key)
        guard let node = self.entries.first(where: { $0.key == key })?.value else { return nil }
        if case .null = node.kind { return nil }
        return node
    }

    /// The node under `key`, or an error saying it is missing.
    public mutating func required(_ key: String) throws(ConfigError) -> ConfigNode {
        guard let node = self.node(key) else {
            throw ConfigError(
                file: self.node.file,
                line: self.node.line,
                path: self.node.path.isEmpty ? key : "\(self.node.path).\(key)",
                message: "missing required key"
            )
        }
        return node
    }

    /// A string value.
    public mutating func string(_ key: String) throws(ConfigError) -> String? {
        try self.node(key)?.scalar(expecting: "a string")
    }

    /// An integer value within `range`.
    public mutating func int(_ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard let node = self.node(key) else { return nil }
        let text = try node.scalar(expecting: "a number")
        guard let value = Int(text.replacing("_", with: "")) else {
            throw node.error("expected a whole number, found \"\(text)\"")
        }
        guard range.contains(value) else {
            throw node.error("\(value) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// A decimal number within `range` (digits with an optional fraction, such as `0.5`; no
    /// sign, exponent or infinity).
    public mutating func decimal(_ key: String, in range: ClosedRange<Double>) throws(ConfigError) -> Double? {
        guard let node = self.node(key) else { return nil }
        let text = try node.scalar(expecting: "a number")
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let isDigits: (Substring) -> Bool = {
            !$0.isEmpty && $0.count <= 12 && $0.utf8.allSatisfy { (0x30...0x39).contains($0) }
        }
        guard let whole = parts.first, isDigits(whole), parts.count == 1 || isDigits(parts[1]),
            let value = Double(text),
            value.isFinite
        else {
            throw node.error("expected a number such as 10 or 0.5, found \"\(text)\"")
        }
        guard range.contains(value) else {
            throw node.error("\(text) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// A boolean value (`true`/`false`, also `yes`/`no`).
    public mutating func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let node = self.node(key) else { return nil }
        switch try node.scalar(expecting: "true or false").lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let other: throw node.error("expected true or false, found \"\(other)\"")
        }
    }

    /// A value from a fixed set of choices.
    public mutating func choice(_ key: String, in choices: [String]) throws(ConfigError) -> String? {
        guard let node = self.node(key) else { return nil }
        let text = try node.scalar(expecting: "one of \(choices.joined(separator: ", "))")
        guard choices.contains(text) else {
            throw node.error("\"\(text)\" is not one of \(choices.joined(separator: ", "))")
        }
        return text
    }

    /// A list of strings; duplicates are refused.
    public mutating func stringList(_ key: String) throws(ConfigError) -> [String]? {
        guard let node = self.node(key) else { return nil }
        var result: [String] = []
        for element in try node.list() {
            let text = try element.scalar(expecting: "a string")
            if result.contains(text) { throw element.error("\"\(text)\" is listed twice") }
            result.append(text)
        }
        return result
    }

    /// A secret reference (`env:NAME` or `vault:PATH`); literal secrets are refused.
    public mutating func reference(_ key: String) throws(ConfigError) -> SecretReference? {
        guard let node = self.node(key) else { return nil }
        return try Self.reference(node)
    }

    /// Parses a node as a secret reference.
    public static func reference(_ node: ConfigNode) throws(ConfigError) -> SecretReference {
        let text = try node.scalar(expecting: "a secret reference")
        guard let reference = SecretReference(parsing: text) else {
            throw node.error(
                "expected a secret reference (env:NAME or vault:PATH); secrets are never written in config")
        }
        if case .vault(let path) = reference, !VaultPath.isValid(path) {
            throw node.error(
                "\"\(path)\" is not a valid vault path: segments of letters, digits, '.', '_' and '-' joined by '/'")
        }
        return reference
    }

    /// Fails on the first key that was never read.
    public func finish() throws(ConfigError) {
        for entry in self.entries where !self.known.contains(entry.key) {
            let known = self.known.sorted().joined(separator: ", ")
            throw entry.value.error("unknown key" + (known.isEmpty ? "" : " (known: \(known))"))
        }
    }
}
