internal import CGatehouseCurl
import GatehouseCore
import HTTPTypes
import NIOCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One HTTP exchange on one easy handle.
///
/// `@unchecked Sendable`: the mutable fields below are touched only on the curl thread (in
/// callbacks and loop commands); what other threads touch lives in `shared`, behind a mutex.
final class CurlTransfer: @unchecked Sendable {
    let easy: UnsafeMutableRawPointer
    private let loop: CurlLoop
    /// The connection-level options `easy` is configured for (its pool key).
    private let options: TransportOptions
    private var headerList: UnsafeMutablePointer<curl_slist>?
    let requestBody: ByteStream?
    /// A body held whole (empty or bytes): curl may rewind it to resend the request on a new
    /// connection when a kept-alive one turns out to be closed. Streamed bodies cannot rewind.
    private let replayableBody: ByteBuffer?
    private var replayOffset = 0
    let responseBody = ByteStream()
    private let maxResponseBytes: Int?

    // Curl thread only.
    private var head = ResponseHeadParser()
    private var status = 0
    private var headers = HTTPFields()
    private var headComplete = false
    private var headDelivered = false
    /// Why the answer was refused (bad status line, head over the limits); set by callbacks.
    private var invalidAnswer: TransportError?
    private var received = 0
    private var tooLarge = false
    private var requestFailed = false
    private var pausedReceive = false
    private var pausedSend = false
    private var done = false

    private struct Shared: ~Copyable {
        var continuation: UnsafeContinuation<UpstreamResponse, any Error>?
        var cancelled = false
    }

    private let shared = Mutex(Shared())

    init(request: UpstreamRequest, loop: CurlLoop) throws {
        guard let handle = loop.makeEasy(for: request.options) else {
            throw TransportError(.failed, "libcurl could not create a handle")
        }
        self.easy = handle.easy
        self.loop = loop
        self.options = request.options
        if !handle.configured { Self.applyConnectionOptions(request.options, trust: loop.systemTrust, to: handle.easy) }
        self.maxResponseBytes = request.options.maxResponseBytes
        self.head = ResponseHeadParser(
            limits: .init(
                maxHeaders: request.options.maxResponseHeaders, maxHeaderBytes: request.options.maxResponseHeaderBytes)
        )
        let method = request.method.rawValue
        var uploadLength: Int?
        switch request.body {
        case .empty:
            self.requestBody = nil
            self.replayableBody = ["POST", "PUT", "PATCH"].contains(method) ? ByteBuffer() : nil
            uploadLength = self.replayableBody == nil ? nil : 0
        case .bytes(let buffer):
            self.requestBody = nil
            self.replayableBody = buffer
            uploadLength = buffer.readableBytes
        case .stream(let stream, let length):
            self.requestBody = stream
            self.replayableBody = nil
            uploadLength = length ?? -1
        }
        loop.census.transfers.add(1, ordering: .relaxed)
        self.configure(request, method: method, uploadLength: uploadLength)
        // Weak: the streams outlive the transfer (the caller keeps reading buffered data), and
        // a strong capture would make transfer and streams keep each other alive forever. A
        // late hook after the transfer is gone does nothing; one for a finished transfer is
        // ignored by the loop (it is no longer active).
        self.responseBody.setOnCancel { [weak self, loop] in if let self { loop.submit(.cancel(self)) } }
        self.responseBody.setOnDemand { [weak self, loop] in if let self { loop.submit(.resume(self)) } }
        self.requestBody?.setOnReadable { [weak self, loop] in if let self { loop.submit(.resume(self)) } }
    }

    deinit {
        // Only a transfer that never reached the multi handle ends unfinished (the loop holds
        // the others until they complete): give back what it holds.
        if !self.done { self.release() }
        self.loop.census.transfers.subtract(1, ordering: .relaxed)
    }

    /// The options a connection's transfers share, set once per easy handle: pooled handles
    /// keep them (the pool is keyed by ``TransportOptions``), so a request does not pay for
    /// them again. Every option derived from `TransportOptions` (TLS, proxy, timeouts, caps)
    /// belongs here, and only here; per-request options go in ``configure(_:method:uploadLength:)``.
    static func applyConnectionOptions(
        _ options: TransportOptions, trust: SystemTrust, to easy: UnsafeMutableRawPointer
    ) {
        gh_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        gh_easy_setopt_long(easy, CURLOPT_NETRC, Int(CURL_NETRC_IGNORED.rawValue))
        gh_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0)
        gh_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https")
        // Verification, trust, TLS version, client certificate, proxy: CurlTransfer+TLS.swift.
        Self.applyTLSAndProxy(options, trust: trust, to: easy)
        gh_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, options.connectTimeoutMilliseconds)
        gh_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, options.timeoutMilliseconds)
        gh_easy_setopt_long(easy, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1)
        gh_easy_setopt_long(easy, CURLOPT_HTTP_CONTENT_DECODING, 0)
        gh_easy_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1)
        if let max = options.maxResponseBytes { gh_easy_setopt_off(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(max)) }
        gh_easy_setopt_callback(easy, CURLOPT_HEADERFUNCTION, curlHeaderCallback)
        gh_easy_setopt_callback(easy, CURLOPT_WRITEFUNCTION, curlWriteCallback)
    }

    /// This request's own options. Each one a previous transfer on the handle may have set is
    /// set again (or back to its default), so nothing of the previous request carries over.
    private func configure(_ request: UpstreamRequest, method: String, uploadLength: Int?) {
        let easy = self.easy
        gh_easy_setopt_string(easy, CURLOPT_URL, request.url)
        let userdata = Unmanaged.passUnretained(self).toOpaque()
        gh_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, userdata)
        gh_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, userdata)
        if method == "HEAD" {
            gh_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, nil)
            gh_easy_setopt_long(easy, CURLOPT_NOBODY, 1)
        } else {
            // HTTPGET clears a previous NOBODY; CUSTOMREQUEST names the method on the wire.
            gh_easy_setopt_long(easy, CURLOPT_HTTPGET, 1)
            gh_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method)
        }
        if let uploadLength {
            gh_easy_setopt_long(easy, CURLOPT_UPLOAD, 1)
            gh_easy_setopt_callback(easy, CURLOPT_READFUNCTION, curlReadCallback)
            gh_easy_setopt_pointer(easy, CURLOPT_READDATA, userdata)
            gh_easy_setopt_off(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(uploadLength))
            gh_easy_setopt_seek(easy, curlSeekCallback)
            gh_easy_setopt_pointer(easy, CURLOPT_SEEKDATA, userdata)
        } else {
            gh_easy_setopt_long(easy, CURLOPT_UPLOAD, 0)
            gh_easy_setopt_off(easy, CURLOPT_INFILESIZE_LARGE, -1)
        }

        let list = Self.headerList(for: request.headers)
        self.headerList = list
        self.loop.census.headerLists.add(1, ordering: .relaxed)
        gh_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, list)
    }

    /// The request's header lines as one `curl_slist` in one allocation (freed with `free`):
    /// the list's nodes, then the NUL-terminated lines they point to. Built from the fields'
    /// bytes directly, with no string per line and no `malloc` per node and per line as
    /// `curl_slist_append` does. curl reads the list only while the transfer runs.
    ///
    /// Exactly the caller's headers go out: `Expect:` and (when the caller sent none) `Accept:`
    /// remove the ones curl would invent. `Name;` is curl's spelling of an empty value.
    static func headerList(for headers: HTTPFields) -> UnsafeMutablePointer<curl_slist> {
        let addAccept = !headers.contains(.accept)
        var lines = addAccept ? 2 : 1
        var textBytes = 8 + (addAccept ? 8 : 0)  // "Expect:\0", "Accept:\0"
        for field in headers {
            lines += 1
            // "name: value\0" or "name;\0"
            textBytes += field.name.rawName.utf8.count + (field.value.isEmpty ? 2 : field.value.utf8.count + 3)
        }
        let nodeBytes = lines * MemoryLayout<curl_slist>.stride
        // Header counts and sizes are bounded by the inbound limits; malloc failing here means
        // the process is out of memory, where nothing else works either.
        guard let block = malloc(nodeBytes + textBytes) else { fatalError("out of memory for a header list") }
        let nodes = block.bindMemory(to: curl_slist.self, capacity: lines)
        var text = (block + nodeBytes).bindMemory(to: UInt8.self, capacity: textBytes)
        var index = 0
        func append(_ write: (inout UnsafeMutablePointer<UInt8>) -> Void) {
            let start = text
            write(&text)
            text.pointee = 0
            text += 1
            let line = UnsafeMutableRawPointer(start).assumingMemoryBound(to: CChar.self)
            (nodes + index).initialize(to: curl_slist(data: line, next: index + 1 < lines ? nodes + index + 1 : nil))
            index += 1
        }
        func copyString(_ string: String, to cursor: inout UnsafeMutablePointer<UInt8>) {
            var string = string
            string.withUTF8 { bytes in
                if let base = bytes.baseAddress { cursor.update(from: base, count: bytes.count) }
                cursor += bytes.count
            }
        }
        func copyStatic(_ bytes: StaticString, to cursor: inout UnsafeMutablePointer<UInt8>) {
            cursor.update(from: bytes.utf8Start, count: bytes.utf8CodeUnitCount)
            cursor += bytes.utf8CodeUnitCount
        }
        for field in headers {
            append { cursor in
                copyString(field.name.rawName, to: &cursor)
                if field.value.isEmpty {
                    copyStatic(";", to: &cursor)
                } else {
                    copyStatic(": ", to: &cursor)
                    copyString(field.value, to: &cursor)
                }
            }
        }
        append { copyStatic("Expect:", to: &$0) }
        if addAccept { append { copyStatic("Accept:", to: &$0) } }
        return nodes
    }

    // MARK: Lifecycle (any thread)

    /// Registers the waiting caller and hands the transfer to the curl thread. A transfer
    /// cancelled already goes there too: the loop fails it without sending, which also frees
    /// its handle and header list.
    func start(_ continuation: UnsafeContinuation<UpstreamResponse, any Error>) {
        self.shared.withLock { $0.continuation = continuation }
        self.loop.submit(.add(self))
    }

    /// The calling task was cancelled before the head arrived.
    func cancel() {
        self.shared.withLock { $0.cancelled = true }
        self.loop.submit(.cancel(self))
    }

    var isCancelled: Bool { self.shared.withLock { $0.cancelled } }

    // MARK: Curl thread

    /// The transfer ended (removed from the multi handle by the loop).
    func complete(result: CURLcode) {
        if result == CURLE_OK, !self.headComplete {
            // curl saw an answer but no usable final head did (e.g. only a 1xx, or garbage).
            self.complete(
                error: self.invalidAnswer ?? TransportError(.invalidResponse, "the upstream's answer has no final head")
            )
        } else if result == CURLE_OK {
            self.deliverHead()
            self.responseBody.finish()
            self.finish()
        } else {
            self.complete(error: self.error(for: result))
        }
    }

    /// The transfer ended with `error` (or never started).
    func complete(error: any Error) {
        // A head accepted earlier in this pass is the caller's as before: the error goes to the body.
        if self.invalidAnswer == nil { self.deliverHead() }
        let error: any Error =
            (error as? TransportError)?.kind == .cancelled && self.isCancelled ? CancellationError() : error
        if let continuation = self.takeContinuation() {
            continuation.resume(throwing: error)
        } else {
            self.responseBody.fail(error)
        }
        self.finish()
    }

    private func finish() {
        guard !self.done else { return }
        self.done = true
        // The curl side no longer reads the request body: stop its producer.
        self.requestBody?.cancel()
        self.release()
    }

    /// Gives the easy handle back to the pool (still configured for its options, with this
    /// transfer's pointers cleared) and frees the header list.
    private func release() {
        let easy = self.easy
        gh_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, nil)
        gh_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, nil)
        gh_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, nil)
        gh_easy_setopt_pointer(easy, CURLOPT_READDATA, nil)
        gh_easy_setopt_pointer(easy, CURLOPT_SEEKDATA, nil)
        gh_easy_setopt_read_default(easy)
        gh_easy_setopt_seek(easy, nil)
        self.loop.recycle(easy, options: self.options)
        if let list = self.headerList {
            free(list)
            self.headerList = nil
            self.loop.census.headerLists.subtract(1, ordering: .relaxed)
        }
    }

    private func takeContinuation() -> UnsafeContinuation<UpstreamResponse, any Error>? {
        self.shared.withLock { shared in
            defer { shared.continuation = nil }
            return shared.continuation
        }
    }

    /// Hands an accepted head to the caller (the loop calls this after each `curl_multi_perform`
    /// pass): the body bytes that came with the head in the same pass are queued by then, so a
    /// small answer wakes its caller once, not once for the head and again for the body.
    func deliverHead() {
        guard self.headComplete, !self.headDelivered else { return }
        self.headDelivered = true
        let response = UpstreamResponse(status: self.status, headers: self.headers, body: self.responseBody)
        self.takeContinuation()?.resume(returning: response)
    }

    /// Re-applies the pause state after the reader caught up or the request body has data.
    func applyPause() {
        self.pausedReceive = false
        self.pausedSend = false
        curl_easy_pause(self.easy, GH_PAUSE_CONT)
    }

    /// One header line from curl; `false` aborts the transfer (the answer is refused).
    func onHeaderLine(_ line: UnsafeRawBufferPointer) -> Bool {
        do throws(TransportError) {
            if case .complete(let status, let headers) = try self.head.consume(line) {
                self.status = status
                self.headers = headers
                self.headComplete = true
                self.loop.headArrived(self)
            }
            return true
        } catch {
            self.invalidAnswer = error
            return false
        }
    }

    func onBody(_ data: UnsafeRawBufferPointer) -> Int {
        guard self.headComplete else {
            // Body bytes without a final head we accepted: refuse rather than guess.
            self.invalidAnswer =
                self.invalidAnswer ?? TransportError(.invalidResponse, "the upstream sent a body without a valid head")
            return 0
        }
        if self.pausedReceive { return GH_WRITEFUNC_PAUSE }
        self.received += data.count
        if let max = self.maxResponseBytes, self.received > max {
            self.tooLarge = true
            return 0
        }
        if !self.responseBody.push(ByteBuffer(bytes: data)) {
            // Taken, but the reader is behind: pause before the next chunk.
            self.pausedReceive = true
        }
        return data.count
    }

    /// curl wants to send the body again from `offset` (a reused connection was closed).
    func onSeek(offset: Int64, origin: Int32) -> Int32 {
        guard let whole = self.replayableBody, origin == SEEK_SET, offset >= 0, offset <= Int64(whole.readableBytes)
        else {
            return Int32(GH_SEEKFUNC_CANTSEEK)
        }
        self.replayOffset = Int(offset)
        return Int32(GH_SEEKFUNC_OK)
    }

    func onRead(_ destination: UnsafeMutableRawBufferPointer) -> Int {
        if let whole = self.replayableBody {
            let count = Swift.min(destination.count, whole.readableBytes - self.replayOffset)
            guard count > 0 else { return 0 }
            whole.withUnsafeReadableBytes { source in
                destination.baseAddress!.copyMemory(from: source.baseAddress! + self.replayOffset, byteCount: count)
            }
            self.replayOffset += count
            return count
        }
        guard let body = self.requestBody else { return 0 }
        switch body.read(into: destination) {
        case .bytes(let count): return count
        case .end: return 0
        case .wouldBlock:
            self.pausedSend = true
            return GH_READFUNC_PAUSE
        case .failed:
            self.requestFailed = true
            return GH_READFUNC_ABORT
        }
    }

    private func error(for code: CURLcode) -> any Error {
        if self.requestFailed, let failure = self.requestBody?.failure { return failure }
        if let invalid = self.invalidAnswer { return invalid }
        let message = String(cString: curl_easy_strerror(code))
        if self.tooLarge || code == CURLE_FILESIZE_EXCEEDED {
            return TransportError(.responseTooLarge, "the response body exceeds max_response_bytes")
        }
        if let tls = self.tlsError(for: code) { return tls }
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return TransportError(.unreachable, message)
        case CURLE_OPERATION_TIMEDOUT:
            var connectTime: curl_off_t = 0
            gh_easy_getinfo_off(self.easy, CURLINFO_CONNECT_TIME_T, &connectTime)
            // Never connected: the connect timeout fired; the upstream is unreachable.
            return connectTime == 0 && !self.headDelivered
                ? TransportError(.unreachable, "connect timed out") : TransportError(.timeout, message)
        case CURLE_WEIRD_SERVER_REPLY, CURLE_UNSUPPORTED_PROTOCOL, CURLE_PARTIAL_FILE, CURLE_BAD_CONTENT_ENCODING:
            // Not HTTP, broken framing (chunked encoding, a body shorter than Content-Length).
            return TransportError(.invalidResponse, message)
        default:
            return TransportError(.failed, message)
        }
    }
}

private let curlHeaderCallback: gh_data_callback = { buffer, size, count, userdata in
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
    // Anything but the full count makes curl abort with CURLE_WRITE_ERROR.
    return transfer.onHeaderLine(UnsafeRawBufferPointer(start: buffer, count: size * count)) ? size * count : 0
}

private let curlWriteCallback: gh_data_callback = { buffer, size, count, userdata in
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
    return transfer.onBody(UnsafeRawBufferPointer(start: buffer, count: size * count))
}

private let curlSeekCallback: gh_seek_callback = { userdata, offset, origin in
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
    return transfer.onSeek(offset: Int64(offset), origin: origin)
}

private let curlReadCallback: gh_data_callback = { buffer, size, count, userdata in
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
    return transfer.onRead(UnsafeMutableRawBufferPointer(start: buffer, count: size * count))
}
