import NIOCore
import Synchronization

/// A single-producer, single-consumer pipe of bytes with back-pressure, used both ways: the
/// transport thread produces response bodies that Swift code reads, and Swift code produces
/// request bodies that the transport thread reads. Each side has an async API (suspends) and
/// a synchronous one (for the curl thread, never blocks; hooks say when to resume).
public final class ByteStream: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    /// The outcome of a synchronous ``read(into:)``.
    public enum ReadResult: Sendable, Equatable {
        case bytes(Int)
        case wouldBlock
        case end
        case failed
    }

    struct State: ~Copyable {
        var chunks = CircularBuffer<ByteBuffer>()
        var buffered = 0
        var finished = false
        var error: (any Error)?
        var cancelled = false
        var consumer: CheckedContinuation<ByteBuffer?, any Error>?
        var producer: CheckedContinuation<Void, any Error>?
        var demandPending = false
        var readablePending = false
        var onDemand: (@Sendable () -> Void)?
        var onReadable: (@Sendable () -> Void)?
        var onCancel: (@Sendable () -> Void)?
        var onEnd: (@Sendable () -> Void)?
        var ended = false
    }

    private let state = Mutex(State())
    private let highWatermark: Int
    private let lowWatermark: Int

    /// Creates an open stream; producers pause above `highWatermark` buffered bytes and resume
    /// below half of it.
    public init(highWatermark: Int = 256 * 1024) {
        self.highWatermark = highWatermark
        self.lowWatermark = highWatermark / 2
    }

    /// A finished stream holding `buffer`.
    public static func from(_ buffer: ByteBuffer) -> ByteStream {
        let stream = ByteStream(highWatermark: Swift.max(buffer.readableBytes + 1, 1))
        if buffer.readableBytes > 0 { _ = stream.push(buffer) }
        stream.finish()
        return stream
    }

    // MARK: Hooks

    /// Called (on the consumer's thread) when a paused synchronous producer may push again.
    public func setOnDemand(_ hook: @escaping @Sendable () -> Void) { self.state.withLock { $0.onDemand = hook } }

    /// Called (on the producer's thread) when data or the end arrives after a `.wouldBlock` read.
    public func setOnReadable(_ hook: @escaping @Sendable () -> Void) { self.state.withLock { $0.onReadable = hook } }

    /// Called once when the consumer cancels.
    public func setOnCancel(_ hook: @escaping @Sendable () -> Void) {
        let callNow = self.state.withLock { state -> Bool in
            if state.cancelled { return true }
            state.onCancel = hook
            return false
        }
        if callNow { hook() }
    }

    /// Called once when the stream is over for good: the producer finished or failed it, or the
    /// consumer cancelled it, whichever comes first (at once when that already happened). For
    /// resources held while a body is under way, such as a licensed upstream thread.
    public func setOnEnd(_ hook: @escaping @Sendable () -> Void) {
        let callNow = self.state.withLock { state -> Bool in
            if state.ended { return true }
            state.onEnd = hook
            return false
        }
        if callNow { hook() }
    }

    /// Marks the stream as over; the `onEnd` hook to run, if it has not run yet.
    private static func markEnded(_ state: inout State) -> (@Sendable () -> Void)? {
        guard !state.ended else { return nil }
        state.ended = true
        defer { state.onEnd = nil }
        return state.onEnd
    }

    /// The error the producer failed the stream with, if any.
    public var failure: (any Error)? { self.state.withLock { $0.error } }

    /// Whether the consumer has cancelled.
    public var isCancelled: Bool { self.state.withLock { $0.cancelled } }

    // MARK: Producer

    /// Appends `buffer` without blocking. Returns `false` when the buffer is now above the high
    /// watermark: pause until the `onDemand` hook fires. Data pushed after cancellation is dropped.
    @discardableResult
    public func push(_ buffer: ByteBuffer) -> Bool {
        var readable: (@Sendable () -> Void)?
        var handOff: CheckedContinuation<ByteBuffer?, any Error>?
        let keepGoing = self.state.withLock { state -> Bool in
            guard !state.cancelled, !state.finished else { return true }
            if let consumer = state.consumer, state.chunks.isEmpty {
                state.consumer = nil
                handOff = consumer
                return true
            }
            state.chunks.append(buffer)
            state.buffered += buffer.readableBytes
            if state.readablePending {
                state.readablePending = false
                readable = state.onReadable
            }
            if state.buffered >= self.highWatermark {
                state.demandPending = true
                return false
            }
            return true
        }
        handOff?.resume(returning: buffer)
        readable?()
        return keepGoing
    }

    /// Appends `buffer`, suspending while the consumer is behind. Throws once it cancelled.
    public func write(_ buffer: ByteBuffer) async throws {
        if self.isCancelled { throw CancellationError() }
        guard !self.push(buffer) else { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let resumeNow = self.state.withLock { state -> Result<Void, any Error>? in
                if state.cancelled { return .failure(CancellationError()) }
                if state.buffered < self.highWatermark { return .success(()) }
                state.producer = continuation
                return nil
            }
            if let resumeNow { continuation.resume(with: resumeNow) }
        }
    }

    /// Ends the stream after what was written.
    public func finish() { self.end(nil) }

    /// Ends the stream with `error`; the consumer gets it after the buffered data.
    public func fail(_ error: any Error) { self.end(error) }

    private func end(_ error: (any Error)?) {
        var readable: (@Sendable () -> Void)?
        var ended: (@Sendable () -> Void)?
        let consumer = self.state.withLock { state -> CheckedContinuation<ByteBuffer?, any Error>? in
            guard !state.finished, !state.cancelled else { return nil }
            state.finished = true
            state.error = error
            ended = Self.markEnded(&state)
            if state.readablePending {
                state.readablePending = false
                readable = state.onReadable
            }
            defer { state.consumer = nil }
            return state.chunks.isEmpty ? state.consumer : nil
        }
        if let consumer {
            if let error { consumer.resume(throwing: error) } else { consumer.resume(returning: nil) }
        }
        readable?()
        ended?()
    }

    // MARK: Consumer

    /// The next chunk, `nil` at the end; rethrows the producer's error. Cancelling the calling
    /// task cancels the stream.
    public func next() async throws -> ByteBuffer? {
        if let immediate = try self.poll() { return immediate.value }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ByteBuffer?, any Error>) in
                do {
                    if let immediate = try self.poll(registering: continuation) {
                        continuation.resume(returning: immediate.value)
                    }
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            self.cancel()
        }
    }

    private struct Polled { let value: ByteBuffer? }

    /// Takes a chunk or the end if available; otherwise registers `continuation` (if given).
    private func poll(registering continuation: CheckedContinuation<ByteBuffer?, any Error>? = nil) throws -> Polled? {
        var demand: (@Sendable () -> Void)?
        var producer: CheckedContinuation<Void, any Error>?
        let result = try self.state.withLock { state throws -> Polled? in
            if let chunk = state.chunks.popFirst() {
                state.buffered -= chunk.readableBytes
                (demand, producer) = self.drained(&state)
                return Polled(value: chunk)
            }
            if state.cancelled { throw CancellationError() }
            if state.finished {
                if let error = state.error { throw error }
                return Polled(value: nil)
            }
            if let continuation { state.consumer = continuation }
            return nil
        }
        producer?.resume()
        demand?()
        return result
    }

    /// After the buffer shrank: whom to wake.
    private func drained(_ state: inout State) -> ((@Sendable () -> Void)?, CheckedContinuation<Void, any Error>?) {
        guard state.buffered < self.lowWatermark || state.chunks.isEmpty else { return (nil, nil) }
        var demand: (@Sendable () -> Void)?
        if state.demandPending {
            state.demandPending = false
            demand = state.onDemand
        }
        let producer = state.producer
        state.producer = nil
        return (demand, producer)
    }

    /// Copies up to `pointer.count` bytes without blocking (for the transport's read callback).
    public func read(into pointer: UnsafeMutableRawBufferPointer) -> ReadResult {
        var demand: (@Sendable () -> Void)?
        var producer: CheckedContinuation<Void, any Error>?
        let result = self.state.withLock { state -> ReadResult in
            if state.cancelled { return .failed }
            guard var first = state.chunks.first else {
                if state.finished { return state.error == nil ? .end : .failed }
                state.readablePending = true
                return .wouldBlock
            }
            let count = Swift.min(pointer.count, first.readableBytes)
            first.withUnsafeReadableBytes { source in
                pointer.baseAddress!.copyMemory(from: source.baseAddress!, byteCount: count)
            }
            first.moveReaderIndex(forwardBy: count)
            if first.readableBytes == 0 {
                state.chunks.removeFirst()
            } else {
                state.chunks[state.chunks.startIndex] = first
            }
            state.buffered -= count
            (demand, producer) = self.drained(&state)
            return .bytes(count)
        }
        producer?.resume()
        demand?()
        return result
    }

    /// The consumer is gone: drop buffered data, fail the producer, run the `onCancel` hook.
    public func cancel() {
        var ended: (@Sendable () -> Void)?
        let (consumer, producer, hook) = self.state.withLock { state in
            guard !state.cancelled else {
                return (
                    CheckedContinuation<ByteBuffer?, any Error>?.none, CheckedContinuation<Void, any Error>?.none,
                    (@Sendable () -> Void)?.none
                )
            }
            state.cancelled = true
            ended = Self.markEnded(&state)
            state.chunks.removeAll()
            state.buffered = 0
            defer {
                state.consumer = nil
                state.producer = nil
                state.onCancel = nil
            }
            return (state.consumer, state.producer, state.onCancel)
        }
        consumer?.resume(throwing: CancellationError())
        producer?.resume(throwing: CancellationError())
        hook?()
        ended?()
    }

    // MARK: AsyncSequence

    public struct AsyncIterator: AsyncIteratorProtocol {
        let stream: ByteStream
        public mutating func next() async throws -> ByteBuffer? { try await self.stream.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(stream: self) }
}
