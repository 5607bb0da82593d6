import NIOCore
import Synchronization

/// A `TaskExecutor` that runs jobs on one SwiftNIO event loop, in batches.
///
/// A connection's task prefers its channel's event loop (``EventLoopBoundChannel``), so the
/// request/response cycle with the channel never crosses threads: reading the next request
/// and writing the answer happen inline on the loop, and a continuation resumed by the curl
/// thread lands there without a stop on the global pool.
///
/// One executor serves every connection of a loop (``shared(for:)``), and jobs are queued here
/// rather than handed to the loop one by one: the first job of a batch schedules one
/// `EventLoop.execute`, which runs every job queued by the time it runs. When the curl thread
/// finishes the transfers of one pass and resumes their callers, the loop gets one task (one
/// closure, one trip through its task queue, at most one wake-up) for all of them, not one
/// per caller.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop
    /// Jobs waiting for the next drain; the flag says one is scheduled.
    private let pending = Mutex(Pending())
    /// The drain's working buffer, swapped with `pending.jobs`; touched on the loop only.
    private nonisolated(unsafe) var running: [UnownedJob] = []

    private struct Pending: ~Copyable {
        var jobs: [UnownedJob] = []
        var scheduled = false
    }

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        self.running.reserveCapacity(64)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let schedule = self.pending.withLock { pending -> Bool in
            pending.jobs.append(job)
            defer { pending.scheduled = true }
            return !pending.scheduled
        }
        if schedule { self.eventLoop.execute { self.drain() } }
    }

    /// Runs what is queued. Jobs queued while these run (by them or by other threads) go to
    /// the next drain, scheduled by the first of them.
    private func drain() {
        self.pending.withLock { pending in
            swap(&pending.jobs, &self.running)
            pending.scheduled = false
        }
        let executor = self.asUnownedTaskExecutor()
        for job in self.running { job.runSynchronously(on: executor) }
        self.running.removeAll(keepingCapacity: true)
    }

    /// Executors by loop. Weak: an executor lives while a connection's task prefers it (the
    /// preference holds it) and is made again for the next connection after that.
    private static let executors = Mutex([ObjectIdentifier: Weak]())

    private struct Weak {
        weak var executor: EventLoopTaskExecutor?
    }

    /// The executor of `eventLoop`, shared by all its connections so their jobs batch together.
    static func shared(for eventLoop: any EventLoop) -> EventLoopTaskExecutor {
        let key = ObjectIdentifier(eventLoop)
        return self.executors.withLock { executors in
            // A live executor holds its loop, so its key names that loop and no other.
            if let existing = executors[key]?.executor, existing.eventLoop === eventLoop { return existing }
            let made = EventLoopTaskExecutor(eventLoop)
            executors[key] = Weak(executor: made)
            return made
        }
    }
}
