import CGatehouseBuildInfo

/// What `gatehouse --version` prints: the release and the commit it was built from.
enum BuildVersion {
    /// The release number.
    static let number = "0.15.0"

    /// `git rev-parse HEAD` at build time (`-dirty` with uncommitted changes), or `unknown`.
    static let commit = String(cString: gatehouse_build_commit())

    /// `0.15.0 (commit 1a2b3c...)`.
    static let description = "\(number) (commit \(commit))"
}
