import CGatehouseCurl
import GatehouseCore
import HTTPTypes
import NIOCore
import Synchronization

/// One HTTP exchange on one easy handle.
///
/// `@unchecked Sendable`: the mutable fields below are touched only on the curl thread (in
/// callbacks and loop commands); what other threads touch lives in `shared`, behind a mutex.
final class CurlTransfer: @unchecked Sendable {
    let easy: UnsafeMutableRawPointer
    private let loop: CurlLoop
    private var headerList: UnsafeMutablePointer<curl_slist>?
    let requestBody: ByteStream?
    let responseBody = ByteStream()
    private let maxResponseBytes: Int?

    // Curl thread only.
    private var status = 0
    private var headers = HTTPFields()
    private var headDelivered = false
    private var received = 0
    private var tooLarge = false
    private var requestFailed = false
    private var pausedReceive = false
    private var pausedSend = false
    private var done = false

    private struct Shared: ~Copyable {
        var continuation: CheckedContinuation<UpstreamResponse, any Error>?
        var cancelled = false
    }

    private let shared = Mutex(Shared())

    init(request: UpstreamRequest, loop: CurlLoop) throws {
        guard let easy = loop.makeEasy() else { throw TransportError(.failed, "libcurl could not create a handle") }
        self.easy = easy
        self.loop = loop
        self.maxResponseBytes = request.options.maxResponseBytes
        let method = request.method.rawValue
        var uploadLength: Int?
        switch request.body {
        case .empty:
            self.requestBody = ["POST", "PUT", "PATCH"].contains(method) ? ByteStream.from(ByteBuffer()) : nil
            uploadLength = self.requestBody == nil ? nil : 0
        case .bytes(let buffer):
            self.requestBody = ByteStream.from(buffer)
            uploadLength = buffer.readableBytes
        case .stream(let stream, let length):
            self.requestBody = stream
            uploadLength = length ?? -1
        }
        self.configure(request, method: method, uploadLength: uploadLength)
        self.responseBody.setOnCancel { [loop] in loop.submit(.cancel(self)) }
        self.responseBody.setOnDemand { [loop] in loop.submit(.resume(self)) }
        self.requestBody?.setOnReadable { [loop] in loop.submit(.resume(self)) }
    }

    private func configure(_ request: UpstreamRequest, method: String, uploadLength: Int?) {
        let easy = self.easy
        let options = request.options
        gh_easy_setopt_string(easy, CURLOPT_URL, request.url)
        gh_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        gh_easy_setopt_long(easy, CURLOPT_NETRC, Int(CURL_NETRC_IGNORED.rawValue))
        // An explicit empty proxy disables http_proxy & co. from the environment.
        gh_easy_setopt_string(easy, CURLOPT_PROXY, options.proxy ?? "")
        gh_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0)
        gh_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https")
        gh_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1)
        gh_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2)
        if let caFile = options.caFile { gh_easy_setopt_string(easy, CURLOPT_CAINFO, caFile) }
        gh_easy_setopt_long(easy, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        gh_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, options.connectTimeoutMilliseconds)
        gh_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, options.timeoutMilliseconds)
        gh_easy_setopt_long(easy, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1)
        gh_easy_setopt_long(easy, CURLOPT_HTTP_CONTENT_DECODING, 0)
        gh_easy_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1)
        if let max = options.maxResponseBytes { gh_easy_setopt_off(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(max)) }

        let userdata = Unmanaged.passUnretained(self).toOpaque()
        gh_easy_setopt_callback(easy, CURLOPT_HEADERFUNCTION, curlHeaderCallback)
        gh_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, userdata)
        gh_easy_setopt_callback(easy, CURLOPT_WRITEFUNCTION, curlWriteCallback)
        gh_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, userdata)
        if method == "HEAD" {
            gh_easy_setopt_long(easy, CURLOPT_NOBODY, 1)
        } else {
            gh_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method)
        }
        if let uploadLength {
            gh_easy_setopt_long(easy, CURLOPT_UPLOAD, 1)
            gh_easy_setopt_callback(easy, CURLOPT_READFUNCTION, curlReadCallback)
            gh_easy_setopt_pointer(easy, CURLOPT_READDATA, userdata)
            gh_easy_setopt_off(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(uploadLength))
        }

        var list: UnsafeMutablePointer<curl_slist>?
        for field in request.headers {
            // `Name;` is curl's spelling of a header with an empty value.
            let line = field.value.isEmpty ? "\(field.name.rawName);" : "\(field.name.rawName): \(field.value)"
            list = curl_slist_append(list, line)
        }
        // Send exactly the caller's headers: no Expect: 100-continue, no invented Accept.
        list = curl_slist_append(list, "Expect:")
        if request.headers[.accept] == nil { list = curl_slist_append(list, "Accept:") }
        self.headerList = list
        gh_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, list)
    }

    // MARK: Lifecycle (any thread)

    /// Registers the waiting caller and hands the transfer to the curl thread.
    func start(_ continuation: CheckedContinuation<UpstreamResponse, any Error>) {
        let cancelled = self.shared.withLock { shared -> Bool in
            if shared.cancelled { return true }
            shared.continuation = continuation
            return false
        }
        if cancelled {
            continuation.resume(throwing: CancellationError())
            self.loop.submit(.cancel(self))
            return
        }
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
        if result == CURLE_OK {
            self.deliverHead()
            self.responseBody.finish()
            self.finish()
        } else {
            self.complete(error: self.error(for: result))
        }
    }

    /// The transfer ended with `error` (or never started).
    func complete(error: any Error) {
        let error: any Error = (error as? TransportError)?.kind == .cancelled && self.isCancelled ? CancellationError() : error
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
        self.loop.recycle(self.easy)
        curl_slist_free_all(self.headerList)
        self.headerList = nil
    }

    private func takeContinuation() -> CheckedContinuation<UpstreamResponse, any Error>? {
        self.shared.withLock { shared in
            defer { shared.continuation = nil }
            return shared.continuation
        }
    }

    private func deliverHead() {
        guard !self.headDelivered else { return }
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

    func onHeaderLine(_ line: UnsafeRawBufferPointer) {
        if line.starts(with: "HTTP/".utf8) {
            let parts = line.split(separator: UInt8(ascii: " "), maxSplits: 2)
            self.status = parts.count > 1 ? Int(String(decoding: parts[1], as: UTF8.self)) ?? 0 : 0
            self.headers = HTTPFields()
            return
        }
        if line.count <= 2, line.allSatisfy({ $0 == 0x0D || $0 == 0x0A }) {
            // End of one header block; 1xx interim answers are skipped.
            if self.status >= 200 { self.deliverHead() }
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), line.first != UInt8(ascii: " "),
            line.first != UInt8(ascii: "\t")
        else { return }
        let name = String(decoding: line[..<colon], as: UTF8.self)
        var value = line[(colon + 1)...]
        while let first = value.first, first == 0x20 || first == 0x09 { value = value.dropFirst() }
        while let last = value.last, last == 0x20 || last == 0x09 || last == 0x0D || last == 0x0A { value = value.dropLast() }
        if let fieldName = HTTPField.Name(name) {
            self.headers.append(HTTPField(name: fieldName, value: String(decoding: value, as: UTF8.self)))
        }
    }

    func onBody(_ data: UnsafeRawBufferPointer) -> Int {
        self.deliverHead()
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

    func onRead(_ destination: UnsafeMutableRawBufferPointer) -> Int {
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
        let message = String(cString: curl_easy_strerror(code))
        if self.tooLarge || code == CURLE_FILESIZE_EXCEEDED {
            return TransportError(.responseTooLarge, "the response body exceeds max_response_bytes")
        }
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_SSL_CONNECT_ERROR,
            CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM:
            return TransportError(.unreachable, message)
        case CURLE_OPERATION_TIMEDOUT:
            var connectTime: curl_off_t = 0
            gh_easy_getinfo_off(self.easy, CURLINFO_CONNECT_TIME_T, &connectTime)
            // Never connected: the connect timeout fired; the upstream is unreachable.
            return connectTime == 0 && !self.headDelivered
                ? TransportError(.unreachable, "connect timed out") : TransportError(.timeout, message)
        default:
            return TransportError(.failed, message)
        }
    }
}

private let curlHeaderCallback: gh_data_callback = { buffer, size, count, userdata in
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
    transfer.onHeaderLine(UnsafeRawBufferPointer(start: buffer, count: size * count))
    return size * count
}

private let curlWriteCallback: gh_data_callback = { buffer, size, count, userdata in
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
    return transfer.onBody(UnsafeRawBufferPointer(start: buffer, count: size * count))
}

private let curlReadCallback: gh_data_callback = { buffer, size, count, userdata in
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
    return transfer.onRead(UnsafeMutableRawBufferPointer(start: buffer, count: size * count))
}
