/// One fuzzed parser: its name (also its seed corpus, `Tests/Fuzz/<name>/`) and the entry
/// function that libFuzzer (`make fuzz`) and the corpus replay (`make test`) both call with each
/// input.
///
/// The entry returns a short, deterministic summary of what the parser made of the input (for the
/// replay's sanity checks and `gatehouse-fuzz <target> <file>...`); it never returns a secret.
/// An invariant the parser must keep (a value read back after writing it, a URL kept on its
/// origin) is checked with ``FuzzTarget/require(_:_:)``, which traps so libFuzzer records a crasher.
///
/// ```swift
/// let entry = FuzzTargets.named("json")!.entry()
/// entry(Array(#"{"a":1}"#.utf8))   // "ok {"a":1}"
/// ```
public struct FuzzTarget: Sendable {
    /// The target's name: `json`, `k2-cursor`, ...
    public let name: String
    /// What one input is, for the README and `gatehouse-fuzz --list`.
    public let input: String
    private let make: @Sendable () -> @Sendable ([UInt8]) -> String

    /// Creates a target without fixtures.
    init(_ name: String, input: String, entry: @escaping @Sendable ([UInt8]) -> String) {
        self.init(name, input: input, prepare: { entry })
    }

    /// Creates a target whose `prepare` builds its fixtures once and returns the per-input function.
    init(_ name: String, input: String, prepare: @escaping @Sendable () -> @Sendable ([UInt8]) -> String) {
        self.name = name
        self.input = input
        self.make = prepare
    }

    /// Builds the fixtures (once) and returns the function to call per input.
    public func entry() -> @Sendable ([UInt8]) -> String { self.make() }

    /// Traps unless `condition` holds: a broken invariant is a finding, as a crash is.
    static func require(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fatalError("fuzz invariant broken: \(message())") }
    }

    /// At most `limit` characters of `text`, for summaries.
    static func short(_ text: String, _ limit: Int = 160) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }
}
