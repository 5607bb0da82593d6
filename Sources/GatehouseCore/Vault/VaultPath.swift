/// Secret paths: `segment/segment...`, each segment of `[A-Za-z0-9._-]` and not `.` or `..`,
/// at most 256 bytes. Paths appear in URLs, audit rows and messages, so they stay plain.
public enum VaultPath {
    /// The longest path accepted.
    public static let maxLength = 256

    /// Whether `path` is a valid secret path.
    public static func isValid(_ path: String) -> Bool {
        guard !path.isEmpty, path.utf8.count <= self.maxLength else { return false }
        for segment in path.split(separator: "/", omittingEmptySubsequences: false) {
            guard !segment.isEmpty, segment != ".", segment != ".." else { return false }
            for byte in segment.utf8 {
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    continue
                default:
                    return false
                }
            }
        }
        return true
    }

    /// `path` itself, or ``VaultError/invalidPath(_:)``.
    public static func validated(_ path: String) throws(VaultError) -> String {
        guard self.isValid(path) else { throw .invalidPath(path) }
        return path
    }
}
