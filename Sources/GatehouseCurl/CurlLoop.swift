internal import CGatehouseCurl
import Foundation
import GatehouseCore
import Logging
import Synchronization

/// The curl thread: owns the multi handle. Other threads talk to it only through the command
/// queue and `curl_multi_wakeup`.
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
    private let stopped = Mutex(false)
    private let finished = DispatchSemaphore(value: 0)
    /// Reset easy handles kept for reuse: creating one per request costs more than a reset.
    private let pool = Mutex<[EasyHandle]>([])
    /// Live transfers, handles and header lists (for leak tests).
    let census = TransferCensus()

    /// An easy handle from the pool, or a new one.
    func makeEasy() -> UnsafeMutableRawPointer? {
        guard let easy = self.pool.withLock({ $0.popLast() })?.pointer ?? curl_easy_init() else { return nil }
        self.census.easyHandles.add(1, ordering: .relaxed)
        return easy
    }

    /// Returns an easy handle no multi handle holds (a finished or never-started transfer):
    /// reset and pooled, or freed when the pool is full.
    func recycle(_ easy: UnsafeMutableRawPointer) {
        self.census.easyHandles.subtract(1, ordering: .relaxed)
        curl_easy_reset(easy)
        let kept = self.pool.withLock { pool -> Bool in
            guard pool.count < 512 else { return false }
            pool.append(EasyHandle(pointer: easy))
            return true
        }
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
            curl_multi_wakeup(self.multi.pointer)
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
        curl_multi_wakeup(self.multi.pointer)
        self.finished.wait()
    }

    private func run() {
        var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
        var running: Int32 = 0
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
            curl_multi_perform(self.multi.pointer, &running)
            var remaining: Int32 = 0
            while let message = curl_multi_info_read(self.multi.pointer, &remaining) {
                guard gh_msg_is_done(message) != 0, let easy = message.pointee.easy_handle,
                    let transfer = active.removeValue(forKey: easy)
                else { continue }
                let result = gh_msg_result(message)
                curl_multi_remove_handle(self.multi.pointer, easy)
                transfer.complete(result: result)
            }
            // Heads that arrived in this pass, with whatever body came along (see deliverHead).
            for transfer in active.values { transfer.deliverHead() }
            curl_multi_poll(self.multi.pointer, nil, 0, 1000, nil)
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
        for handle in self.pool.withLock({ $0 }) { curl_easy_cleanup(handle.pointer) }
        self.pool.withLock { $0.removeAll() }
        self.finished.signal()
    }
}

/// The multi handle pointer. Sendable because only `curl_multi_wakeup` (documented thread-safe)
/// is called on it from other threads.
struct MultiHandle: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    init(_ pointer: UnsafeMutableRawPointer?) { self.pointer = pointer! }
}

/// A pooled easy handle. Sendable: it is used by one transfer at a time, handed over through the pool's mutex.
struct EasyHandle: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
}
