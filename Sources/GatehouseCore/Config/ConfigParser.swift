import Yams

/// Turns YAML text into ``ConfigNode``s with locations. The only place that parses config YAML.
public enum ConfigParser {
    /// Parses `text` (read from `file`) into a located tree.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> ConfigNode {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError(
                file: file, line: Self.line(of: error), path: "", message: "invalid YAML: \(Self.summary(of: error))")
        } catch {
            throw ConfigError(file: file, line: nil, path: "", message: "invalid YAML")
        }
        guard let root else { return ConfigNode(kind: .null, file: file, line: 1, path: "") }
        return try self.convert(root, file: file, path: "", line: root.mark?.line)
    }

    private static func convert(_ node: Node, file: String, path: String, line: Int?) throws(ConfigError) -> ConfigNode
    {
        let line = node.mark?.line ?? line
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
                return ConfigNode(kind: .null, file: file, line: line, path: path)
            }
            return ConfigNode(kind: .scalar(scalar.string), file: file, line: line, path: path)
        case .sequence(let sequence):
            var elements: [ConfigNode] = []
            for (index, element) in sequence.enumerated() {
                elements.append(try self.convert(element, file: file, path: "\(path)[\(index)]", line: line))
            }
            return ConfigNode(kind: .sequence(elements), file: file, line: line, path: path)
        case .mapping(let mapping):
            var entries: [ConfigNode.Entry] = []
            for (keyNode, valueNode) in mapping {
                guard case .scalar(let keyScalar) = keyNode else {
                    throw ConfigError(
                        file: file, line: keyNode.mark?.line ?? line, path: path, message: "keys must be plain strings")
                }
                let key = keyScalar.string
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                let keyLine = keyNode.mark?.line ?? line
                if entries.contains(where: { $0.key == key }) {
                    throw ConfigError(file: file, line: keyLine, path: childPath, message: "duplicate key")
                }
                var child = try self.convert(valueNode, file: file, path: childPath, line: keyLine)
                // Point errors about a value at its key's line: that is where people look.
                child.line = keyLine
                entries.append(.init(key: key, value: child))
            }
            return ConfigNode(kind: .mapping(entries), file: file, line: line, path: path)
        case .alias:
            throw ConfigError(file: file, line: line, path: path, message: "YAML aliases are not supported in config")
        }
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        case .duplicatedKeysInMapping(_, let context):
            return context.mark.line
        default:
            return nil
        }
    }

    private static func summary(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _):
            return problem
        case .duplicatedKeysInMapping(let duplicates, _):
            return "duplicate key \(duplicates.joined(separator: ", "))"
        default:
            return "\(error)".split(separator: "\n").first.map(String.init) ?? "unreadable"
        }
    }
}
