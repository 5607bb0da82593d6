import GatehouseCore
import GatehouseXML

#if canImport(Glibc)
    import Glibc
#endif

/// Parser shape figures: the same 200k elements (or keys, or items) as siblings of one parent
/// and nested once (1,000 parents of 200), parsed into a ``Value``. A linear reader takes about
/// the same time for both; a quadratic step (a linear key lookup, an array copied on append)
/// shows as a ratio far above 1.
enum TreeBenchmarks {
    /// Elements per document: 200k, or `TREE_BENCH_COUNT` (a multiple of 1,000, at most 1M).
    static let count: Int = {
        guard let text = getenv("TREE_BENCH_COUNT").map({ String(cString: $0) }), let value = Int(text),
            (1_000...1_000_000).contains(value), value.isMultiple(of: 1_000)
        else { return 200_000 }
        return value
    }()
    static let groups = 1_000

    /// Seconds for the fastest of `runs` runs of `body`.
    static func seconds(runs: Int = 3, _ body: () throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        var best = Double.infinity
        for _ in 0..<runs {
            let start = clock.now
            try body()
            let (whole, attos) = (clock.now - start).components
            best = min(best, Double(whole) + Double(attos) / 1e18)
        }
        return best
    }

    static func xml(siblings distinct: Bool) -> [UInt8] {
        distinct ? Self.xml(distinctNames: Self.count) : Self.xml(distinctNames: 1)
    }

    /// 200k sibling elements cycling through `names` distinct names.
    static func xml(distinctNames names: Int) -> [UInt8] {
        var text = "<r>"
        for index in 0..<Self.count { text += "<e\(index % names)>\(index)</e\(index % names)>" }
        return Array((text + "</r>").utf8)
    }

    static func xmlNestedOnce() -> [UInt8] {
        var text = "<r>"
        for group in 0..<Self.groups {
            text += "<g\(group)>"
            for index in 0..<(Self.count / Self.groups) { text += "<e>\(index)</e>" }
            text += "</g\(group)>"
        }
        return Array((text + "</r>").utf8)
    }

    static func jsonObject() -> [UInt8] {
        Array(("{" + (0..<Self.count).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}").utf8)
    }

    static func jsonArray() -> [UInt8] {
        Array(("[" + (0..<Self.count).map { String($0) }.joined(separator: ",") + "]").utf8)
    }

    static func jsonNestedOnce() -> [UInt8] {
        let inner = "{" + (0..<(Self.count / Self.groups)).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}"
        return Array(("[" + Array(repeating: inner, count: Self.groups).joined(separator: ",") + "]").utf8)
    }

    /// The Markdown table rows (header included).
    static func table() throws -> [String] {
        let siblings = Self.xml(siblings: false)
        let distinct = Self.xml(siblings: true)
        let nested = Self.xmlNestedOnce()
        var sink = 0
        let xmlSiblings = try Self.seconds {
            sink &+= try XML.parse(siblings, maximumBytes: 64 << 20).objectValue?.members.count ?? 0
        }
        // libxml2 2.9 interns names in a dictionary that turns quadratic past a few thousand
        // distinct names; Gatehouse stops such a document at a name budget (about 12k short
        // names), so this row measures how fast the refusal comes.
        var distinctRefused = false
        let xmlDistinct = Self.seconds {
            do {
                sink &+= try XML.parse(distinct, maximumBytes: 64 << 20).objectValue?.members.count ?? 0
            } catch {
                distinctRefused = true
            }
        }
        let budget = Self.xml(distinctNames: Self.count / 40)
        let xmlBudget = try Self.seconds {
            sink &+= try XML.parse(budget, maximumBytes: 64 << 20).objectValue?.members.count ?? 0
        }
        let xmlNested = try Self.seconds {
            sink &+= try XML.parse(nested, maximumBytes: 64 << 20).objectValue?.members.count ?? 0
        }
        let object = Self.jsonObject()
        let array = Self.jsonArray()
        let jsonNested = Self.jsonNestedOnce()
        let objectTime = try Self.seconds { sink &+= try JSON.parse(object).objectValue?.members.count ?? 0 }
        let arrayTime = try Self.seconds { sink &+= try JSON.parse(array).arrayValue?.count ?? 0 }
        let nestedTime = try Self.seconds { sink &+= try JSON.parse(jsonNested).arrayValue?.count ?? 0 }
        let tree = try JSON.parse(object)
        let serializeTime = Self.seconds { sink &+= JSON.serialize(tree).utf8.count }
        let nestedTree = try JSON.parse(jsonNested)
        let serializeNested = Self.seconds { sink &+= JSON.serialize(nestedTree).utf8.count }
        if sink == -1 { print("") }
        func ms(_ seconds: Double) -> String { String(Double(Int(seconds * 100_000)) / 100) }
        func ratio(_ a: Double, _ b: Double) -> String { String(Double(Int(a / b * 100)) / 100) }
        let k = "\(Self.count / 1_000)k"
        return [
            "| parse \(k) elements | ms | reference: nested once (1,000 × 200) | ms | ratio |",
            "|---|---|---|---|---|",
            """
            | XML, \(k) `<e>` siblings (one repeated name) | \(ms(xmlSiblings)) | XML nested once | \
            \(ms(xmlNested)) | \(ratio(xmlSiblings, xmlNested)) |
            """,
            """
            | XML, \(k) siblings of \(Self.count / 40) distinct names | \(ms(xmlBudget)) | XML nested once | \
            \(ms(xmlNested)) | \(ratio(xmlBudget, xmlNested)) |
            """,
            """
            | XML, \(k) distinct sibling names (\(distinctRefused ? "refused: over the name budget" : "parsed")) | \
            \(ms(xmlDistinct)) | XML nested once | \(ms(xmlNested)) | \(ratio(xmlDistinct, xmlNested)) |
            """,
            """
            | JSON, object of \(k) keys | \(ms(objectTime)) | JSON nested once | \(ms(nestedTime)) | \
            \(ratio(objectTime, nestedTime)) |
            """,
            """
            | JSON, array of \(k) items | \(ms(arrayTime)) | JSON nested once | \(ms(nestedTime)) | \
            \(ratio(arrayTime, nestedTime)) |
            """,
            """
            | JSON serialize, object of \(k) keys | \(ms(serializeTime)) | serialize nested once | \
            \(ms(serializeNested)) | \(ratio(serializeTime, serializeNested)) |
            """,
        ]
    }
}
