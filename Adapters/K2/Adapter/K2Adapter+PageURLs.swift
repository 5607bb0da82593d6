import GatehouseCore

extension K2Adapter {
    /// The page URL a caller's `cursor` stands for, as `data.list` checks it (400 otherwise).
    /// Open to the package so the fuzz targets (Tests/FuzzTargets) drive the real check.
    package func page(forCursor cursor: String) throws -> String {
        try self.pageURL(fromCursor: cursor)
    }

    /// The URL a `NextPageURL` from K2 is followed at, as `data.list` checks and rebases it
    /// (502 otherwise). Open to the package for the fuzz targets.
    package func page(reportedByUpstream text: String) throws -> String {
        try self.checkedPageURL(text)
    }
}
