/// The ordered, JSON-like value tree every payload is translated through.
///
/// Numbers keep their literal text so that identifiers and decimals survive a round trip
/// exactly; objects keep key order (XML element order matters to upstreams).
public enum Value: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number as its JSON literal text, e.g. `"42"` or `"1.50"`.
    case number(String)
    case string(String)
    case array([Value])
    case object(Object)

    /// An ordered list of key/value members. Lookups are linear: payload objects are small.
    public struct Object: Sendable, Hashable, ExpressibleByDictionaryLiteral {
        /// The members in document order.
        public var members: [Member]

        /// One key/value member.
        public struct Member: Sendable, Hashable {
            public var key: String
            public var value: Value
            public init(_ key: String, _ value: Value) {
                self.key = key
                self.value = value
            }
        }

        /// Creates an object from members.
        public init(_ members: [Member] = []) { self.members = members }

        public init(dictionaryLiteral elements: (String, Value)...) {
            self.members = elements.map { Member($0.0, $0.1) }
        }

        /// The value of the first member named `key`; setting replaces it or appends.
        public subscript(key: String) -> Value? {
            get { self.members.first { $0.key == key }?.value }
            set {
                if let index = self.members.firstIndex(where: { $0.key == key }) {
                    if let newValue { self.members[index].value = newValue } else { self.members.remove(at: index) }
                } else if let newValue {
                    self.members.append(Member(key, newValue))
                }
            }
        }

        /// The keys in document order.
        public var keys: [String] { self.members.map(\.key) }
    }
}

extension Value {
    /// Creates a number from an integer.
    public static func int(_ value: Int) -> Value { .number(String(value)) }

    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The boolean, if this is a boolean.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The integer, if this is a number holding one.
    public var intValue: Int? {
        if case .number(let n) = self { return Int(n) }
        return nil
    }

    /// The object, if this is an object.
    public var objectValue: Object? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [Value]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The member named `key` when this is an object.
    public subscript(key: String) -> Value? {
        self.objectValue?[key]
    }
}

extension Value: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(String(value)) }
    public init(arrayLiteral elements: Value...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, Value)...) {
        self = .object(Object(elements.map { Object.Member($0.0, $0.1) }))
    }
    public init(nilLiteral: ()) { self = .null }
}
