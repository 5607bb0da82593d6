/// Splits fuzz inputs that carry more than one part: a first line of words (a status code, a
/// resource name, ...) and the body after it.
enum FuzzInput {
    /// The words of the first line and the bytes after its `\n`; no words and the whole input
    /// when there is no newline within the first 64 bytes.
    static func header(_ bytes: [UInt8]) -> (words: [String], body: [UInt8]) {
        guard let newline = bytes.prefix(64).firstIndex(of: UInt8(ascii: "\n")) else { return ([], bytes) }
        let line = String(decoding: bytes[..<newline], as: UTF8.self)
        return (line.split(separator: " ").map(String.init), Array(bytes[(newline + 1)...]))
    }

    /// An HTTP status from `word` (0...999); `fallback` when it is none.
    static func status(_ word: String?, fallback: Int = 200) -> Int {
        guard let word, word.utf8.count <= 3, let status = Int(word) else { return fallback }
        return status
    }
}
