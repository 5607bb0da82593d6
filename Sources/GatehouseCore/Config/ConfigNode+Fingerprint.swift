extension ConfigNode {
    /// The node's content as canonical text, without lines or file: two entries with the same
    /// keys and values have the same fingerprint wherever they stand in the file. A config
    /// reload rebuilds a connection only when its entry's fingerprint changed.
    public var fingerprint: String {
        var out = ""
        self.appendFingerprint(to: &out)
        return out
    }

    private func appendFingerprint(to out: inout String) {
        switch self.kind {
        case .scalar(let text):
            // Length-prefixed: no scalar can imitate structure.
            out += "s\(text.utf8.count):" + text
        case .null:
            out += "n"
        case .sequence(let elements):
            out += "[\(elements.count)"
            for element in elements { element.appendFingerprint(to: &out) }
            out += "]"
        case .mapping(let entries):
            out += "{\(entries.count)"
            for entry in entries.sorted(by: { $0.key < $1.key }) {
                out += "k\(entry.key.utf8.count):" + entry.key
                entry.value.appendFingerprint(to: &out)
            }
            out += "}"
        }
    }
}
