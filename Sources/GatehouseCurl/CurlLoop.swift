internal import CGatehouseCurl
import Foundation
import GatehouseCore
import Logging
import Synchronization

/// The curl thread: owns the multi handle, driven by `curl_multi_socket_action` on an epoll
/// set of curl's sockets (each pass visits only the transfers whose sockets are ready, not
/// every transfer as `curl_multi_perform` does). Other threads talk to it only through the
/// command queue and an eventfd in the same epoll set.
final class CurlLoop: Sendable {
    enum Command {
        case add(CurlTransfer)
        case cancel(CurlTransfer)
        case resume(CurlTransfer)
    }

    private struct Queue: ~Copyable {
        var commands: [Command] = []
        var stopping = false
    }

    /// The multi handle; used by the curl thread only, except `curl_multi_wakeup` (thread-safe).
    private let multi: MultiHandle
    private let queue = Mutex(Queue())
    private let finished = DispatchSemaphore(value: 0)
    /// The epoll set of curl's sockets and `wake`; used by the curl thread only.
    private let epoll: Int32
    /// An eventfd other threads signal to wake the curl thread (thread-safe `write`).
    private let wake: Int32
    /// Easy handles kept for reuse, by the transport options they are configured for: a
    /// handle keeps its connection-level options (``CurlTransfer/applyConnectionOptions(_:to:)``)
    /// between transfers, so a request sets only what is its own (URL, method, headers, body).
    /// A handle is never handed to a transfer with other options, so nothing one connection
    /// configured (a CA file, a proxy, a client certificate) can reach another's requests.
    private let pool = Mutex(HandlePool())
    /// Live transfers, handles and header lists (for leak tests).
    let census = TransferCensus()
    /// Transfers whose final head arrived during the current pass, in arrival order: the
    /// header callback adds them, the end of the pass hands their heads over. Curl thread only.
    private nonisolated(unsafe) var headsArrived: [CurlTransfer] = []

    /// A transfer's final head is in (curl thread, from its header callback).
    func headArrived(_ transfer: CurlTransfer) {
        self.headsArrived.append(transfer)
    }

    /// A pooled easy handle configured for `options`, or a new one (configured by the caller:
    /// `configured` is false).
    func makeEasy(for options: TransportOptions) -> (easy: UnsafeMutableRawPointer, configured: Bool)? {
        let pooled = self.pool.withLock { $0.take(for: options) }
        guard let easy = pooled?.pointer ?? curl_easy_init() else { return nil }
        self.census.easyHandles.add(1, ordering: .relaxed)
        return (easy, pooled != nil)
    }

    /// Returns an easy handle no multi handle holds (a finished or never-started transfer),
    /// still configured for `options` (the transfer cleared its own pointers): pooled, or
    /// freed when the pool is full.
    func recycle(_ easy: UnsafeMutableRawPointer, options: TransportOptions) {
        self.census.easyHandles.subtract(1, ordering: .relaxed)
        let kept = self.pool.withLock { $0.put(EasyHandle(pointer: easy), for: options) }
        if !kept { curl_easy_cleanup(easy) }
    }
    let logger: Logger

    static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    /// The system's trusted CAs, as every transfer sets them (CurlTransfer+TLS.swift).
    let systemTrust: SystemTrust

    init(logger: Logger, systemTrust: SystemTrust = .libcurlDefaults) {
        _ = Self.globalInit
        self.logger = logger
        self.systemTrust = systemTrust
        self.multi = MultiHandle(curl_multi_init())
        gh_multi_setopt_long(self.multi.pointer, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
        gh_multi_setopt_long(self.multi.pointer, CURLMOPT_MAXCONNECTS, 256)
        self.epoll = gh_epoll_create()
        self.wake = gh_eventfd_create()
        // Two descriptors at start-up: failing to get them means the process cannot work at all.
        precondition(self.epoll >= 0 && self.wake >= 0, "the curl thread cannot create its epoll set and eventfd")
        gh_epoll_watch_in(self.epoll, self.wake)
        let thread = Thread { [self] in self.run() }
        thread.name = "gatehouse-curl"
        thread.start()
    }

    /// Queues a command for the curl thread and wakes it.
    func submit(_ command: Command) {
        let (accepted, wake) = self.queue.withLock { queue -> (Bool, Bool) in
            guard !queue.stopping else { return (false, false) }
            queue.commands.append(command)
            // One wakeup per batch: a non-empty queue has already woken the thread.
            return (true, queue.commands.count == 1)
        }
        if wake {
            gh_eventfd_signal(self.wake)
        } else if !accepted, case .add(let transfer) = command {
            transfer.complete(error: TransportError(.shutdown, "the transport is shut down"))
        }
    }

    /// Stops the thread after failing what is in flight; waits for it. Idempotent.
    func shutdown() {
        let first = self.queue.withLock { queue -> Bool in
            defer { queue.stopping = true }
            return !queue.stopping
        }
        guard first else { return }
        gh_eventfd_signal(self.wake)
        self.finished.wait()
    }

    private func run() {
        var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
        var running: Int32 = 0
        // curl's timer: the monotonic deadline (ns) of its next timeout action, -1 for none;
        // and the epoll set its socket callback registers sockets in. Both outlive the multi
        // handle (freed after curl_multi_cleanup, which still calls the callbacks).
        let timer = UnsafeMutablePointer<Int64>.allocate(capacity: 1)
        timer.initialize(to: -1)
        let epollBox = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        epollBox.initialize(to: self.epoll)
        gh_multi_setopt_timer(self.multi.pointer, curlTimerCallback, timer)
        gh_multi_setopt_socket(self.multi.pointer, curlSocketCallback, epollBox)
        let batch = 64
        var readyFDs = [Int32](repeating: 0, count: batch)
        var readyFlags = [Int32](repeating: 0, count: batch)
        while true {
            var (commands, stopping) = self.queue.withLock { queue in
                defer { queue.commands.removeAll(keepingCapacity: true) }
                return (queue.commands, queue.stopping)
            }
            for command in commands {
                switch command {
                case .add(let transfer):
                    if transfer.isCancelled {
                        transfer.complete(error: TransportError(.cancelled, "cancelled before sending"))
                    } else if curl_multi_add_handle(self.multi.pointer, transfer.easy) == CURLM_OK {
                        active[transfer.easy] = transfer
                    } else {
                        transfer.complete(error: TransportError(.failed, "libcurl refused the transfer"))
                    }
                case .cancel(let transfer):
                    // Identity, not just the handle: pooled handles are reused, and a late
                    // command for a finished transfer must not touch its successor.
                    if let current = active[transfer.easy], current === transfer {
                        active.removeValue(forKey: transfer.easy)
                        curl_multi_remove_handle(self.multi.pointer, transfer.easy)
                        transfer.complete(error: TransportError(.cancelled, "the transfer was cancelled"))
                    }
                case .resume(let transfer):
                    if let current = active[transfer.easy], current === transfer { transfer.applyPause() }
                }
            }
            // Commands hold their transfers: let go now, not after the next poll (up to a
            // second later), so a finished or refused transfer is freed at once.
            commands = []
            if stopping {
                for transfer in active.values {
                    curl_multi_remove_handle(self.multi.pointer, transfer.easy)
                    transfer.complete(error: TransportError(.shutdown, "the transport is shut down"))
                }
                active.removeAll()
                break
            }
            // Sleep until a socket is ready, curl's timer is due, or a command arrives.
            var waitMilliseconds: Int32 = 1000
            if timer.pointee >= 0 {
                let left = Swift.max(0, timer.pointee - gh_monotonic_ns())
                waitMilliseconds = Int32(Swift.min(1000, (left + 999_999) / 1_000_000))
            }
            let ready = readyFDs.withUnsafeMutableBufferPointer { fds in
                readyFlags.withUnsafeMutableBufferPointer { flags in
                    Int(gh_epoll_wait(self.epoll, fds.baseAddress, flags.baseAddress, Int32(batch), waitMilliseconds))
                }
            }
            for index in 0..<ready {
                if readyFDs[index] == self.wake {
                    gh_eventfd_drain(self.wake)
                } else {
                    curl_multi_socket_action(self.multi.pointer, readyFDs[index], readyFlags[index], &running)
                }
            }
            if timer.pointee >= 0, gh_monotonic_ns() >= timer.pointee {
                timer.pointee = -1
                curl_multi_socket_action(self.multi.pointer, GH_SOCKET_TIMEOUT, 0, &running)
            }
            var remaining: Int32 = 0
            while let message = curl_multi_info_read(self.multi.pointer, &remaining) {
                guard gh_msg_is_done(message) != 0, let easy = message.pointee.easy_handle,
                    let transfer = active.removeValue(forKey: easy)
                else { continue }
                let result = gh_msg_result(message)
                curl_multi_remove_handle(self.multi.pointer, easy)
                transfer.complete(result: result)
            }
            // Heads that arrived in this pass, with whatever body came along (see deliverHead);
            // a transfer that also finished in this pass has had its head delivered already.
            if !self.headsArrived.isEmpty {
                for transfer in self.headsArrived { transfer.deliverHead() }
                self.headsArrived.removeAll(keepingCapacity: true)
            }
        }
        // Late commands: fail additions so no caller waits forever.
        let late = self.queue.withLock { queue in
            defer { queue.commands.removeAll() }
            return queue.commands
        }
        for case .add(let transfer) in late {
            transfer.complete(error: TransportError(.shutdown, "the transport is shut down"))
        }
        curl_multi_cleanup(self.multi.pointer)
        timer.deallocate()
        epollBox.deallocate()
        close(self.epoll)
        close(self.wake)
        for handle in self.pool.withLock({ $0.drain() }) { curl_easy_cleanup(handle.pointer) }
        self.finished.signal()
    }
}

/// curl asks to watch a socket (or to stop): its epoll set is `clientp`.
private let curlSocketCallback: gh_socket_callback = { _, socket, what, clientp, _ in
    gh_epoll_watch(clientp!.load(as: Int32.self), socket, what)
    return 0
}

/// curl sets its timer: `clientp` holds the deadline (monotonic ns; -1: none).
private let curlTimerCallback: gh_timer_callback = { _, timeout, clientp in
    let deadline = clientp!.assumingMemoryBound(to: Int64.self)
    // curl's timeouts are milliseconds; a day bounds the arithmetic.
    deadline.pointee = timeout < 0 ? -1 : gh_monotonic_ns() + Int64(Swift.min(timeout, 86_400_000)) * 1_000_000
    return 0
}

/// The multi handle pointer. Sendable because only the curl thread uses it.
struct MultiHandle: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    init(_ pointer: UnsafeMutableRawPointer?) { self.pointer = pointer! }
}

/// A pooled easy handle. Sendable: it is used by one transfer at a time, handed over through the pool's mutex.
struct EasyHandle: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
}
