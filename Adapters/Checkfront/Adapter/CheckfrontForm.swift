import GatehouseCore

/// Checkfront's request bodies: form-encoded, nested keys in brackets (`param[adults]=2`), the
/// way PHP reads them. Callers send JSON; this flattens it.
enum CheckfrontForm {
    /// `{"status_id": "PAID", "param": {"adults": 2}}` → `status_id=PAID&param%5Badults%5D=2`.
    static func encode(_ value: Value) -> String {
        var pairs: [(String, String)] = []
        Self.flatten(value, prefix: nil, into: &pairs)
        return FormEncoding.body(pairs)
    }

    /// The flattened `(name, value)` pairs.
    static func flatten(_ value: Value, prefix: String?, into pairs: inout [(String, String)]) {
        switch value {
        case .object(let object):
            for member in object.members {
                Self.flatten(member.value, prefix: prefix.map { "\($0)[\(member.key)]" } ?? member.key, into: &pairs)
            }
        case .array(let items):
            for (index, item) in items.enumerated() {
                Self.flatten(item, prefix: prefix.map { "\($0)[\(index)]" } ?? String(index), into: &pairs)
            }
        case .null:
            if let prefix { pairs.append((prefix, "")) }
        case .bool(let flag):
            if let prefix { pairs.append((prefix, flag ? "1" : "0")) }
        case .string(let text):
            if let prefix { pairs.append((prefix, text)) }
        case .number(let text):
            if let prefix { pairs.append((prefix, text)) }
        }
    }

    /// A query string from a JSON object of scalars (`{"limit": 2}` → `limit=2`).
    static func query(_ value: Value?) -> String? {
        guard let value, case .object(let object) = value, !object.members.isEmpty else { return nil }
        return Self.encode(.object(object))
    }
}
