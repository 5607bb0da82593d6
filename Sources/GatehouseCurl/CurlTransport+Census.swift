extension CurlTransport {
    /// What a transport holds at one moment: all zero once every answer was consumed or dropped.
    package struct Census: Sendable, Equatable, CustomStringConvertible {
        /// Transfers alive (in flight, or not yet freed).
        package var transfers: Int
        /// Easy handles in use (pooled ones not counted).
        package var easyHandles: Int
        /// Request header lists not yet freed.
        package var headerLists: Int

        /// Counts as given.
        package init(transfers: Int, easyHandles: Int, headerLists: Int) {
            self.transfers = transfers
            self.easyHandles = easyHandles
            self.headerLists = headerLists
        }

        package var description: String {
            "transfers=\(self.transfers) easy_handles=\(self.easyHandles) header_lists=\(self.headerLists)"
        }
    }

    /// The live-object counts, for leak tests.
    package var census: Census { self.loop.census.snapshot }
}
