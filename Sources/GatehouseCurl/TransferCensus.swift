import Synchronization

/// Counts what a transport holds right now, so tests can prove finished transfers are freed.
/// Relaxed atomics: a few nanoseconds per request, read only by tests.
final class TransferCensus: Sendable {
    /// `CurlTransfer` objects alive.
    let transfers = Atomic<Int>(0)
    /// Easy handles taken from the pool (or created) and not given back.
    let easyHandles = Atomic<Int>(0)
    /// `curl_slist` header lists not freed.
    let headerLists = Atomic<Int>(0)

    /// The counts now.
    var snapshot: CurlTransport.Census {
        CurlTransport.Census(
            transfers: self.transfers.load(ordering: .relaxed),
            easyHandles: self.easyHandles.load(ordering: .relaxed),
            headerLists: self.headerLists.load(ordering: .relaxed)
        )
    }
}
