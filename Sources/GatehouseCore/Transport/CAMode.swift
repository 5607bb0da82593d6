/// How a connection's `ca_file` combines with the system's trusted CAs (`ca_mode`).
public enum CAMode: String, Sendable, Hashable, CaseIterable {
    /// The file's CAs are trusted in addition to the system's (libcurl's built-in CA directory).
    case add
    /// Only the file's CAs are trusted: the system bundle and directory are not consulted.
    case replace
}
