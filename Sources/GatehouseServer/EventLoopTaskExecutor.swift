import NIOCore

/// A `TaskExecutor` that runs jobs on one SwiftNIO event loop.
///
/// A connection's task prefers its channel's event loop (``EventLoopBoundChannel``), so the
/// request/response exchange with the channel never crosses threads: reading the next request
/// and writing the answer happen inline on the loop, and a continuation resumed by the curl
/// thread lands there with one `EventLoop.execute`, not on the global pool and then back.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        self.eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
