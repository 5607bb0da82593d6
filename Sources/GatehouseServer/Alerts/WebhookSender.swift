import GatehouseCore
import GatehouseCrypto
import HTTPTypes
import Logging
import NIOCore

/// Posts alert events to `alerts.webhook.url`, one at a time in order, signed:
///
/// - `X-Gatehouse-Timestamp`: Unix seconds when this try was signed.
/// - `X-Gatehouse-Signature: sha256=<hex>`: HMAC-SHA256 under the web hook secret of the bytes
///   `<timestamp>.<body>` (the timestamp header's value, one `.`, the exact request body).
/// - `X-Gatehouse-Event` (the event name) and `X-Gatehouse-Delivery` (the same id on every try).
///
/// A try that does not get a 2xx is repeated after `retry_delay_ms`, doubling up to
/// `max_retry_delay_ms`, at most `max_attempts` times in all; a 4xx other than 408 and 429 is
/// final. Then the event is dropped and the drop logged. Nothing but the event and these headers
/// is sent: no credential, no cookie. Events wait in a bounded queue (``queueLimit``); one that
/// finds it full is dropped (logged).
public final class WebhookSender: Sendable {
    /// Events waiting at most; more are dropped.
    public static let queueLimit = 1_000

    let url: String
    let secret: SecretReference
    let secrets: any SecretSource
    let transport: any UpstreamTransport
    let settings: GatewayConfiguration.Alerts.Webhook
    let logger: Logger
    private let queue: AsyncStream<AlertEvent>
    private let input: AsyncStream<AlertEvent>.Continuation

    static let timestampField = HTTPField.Name("X-Gatehouse-Timestamp")!
    static let signatureField = HTTPField.Name("X-Gatehouse-Signature")!
    static let eventField = HTTPField.Name("X-Gatehouse-Event")!
    static let deliveryField = HTTPField.Name("X-Gatehouse-Delivery")!

    /// A sender for `settings`, its secret read from `secrets` at every try (a rotated secret applies at once).
    public init(
        settings: GatewayConfiguration.Alerts.Webhook, secrets: any SecretSource, transport: any UpstreamTransport,
        logger: Logger
    ) {
        self.settings = settings
        self.url = settings.url.description
        self.secret = settings.secret
        self.secrets = secrets
        self.transport = transport
        self.logger = logger
        (self.queue, self.input) = AsyncStream.makeStream(
            of: AlertEvent.self, bufferingPolicy: .bufferingOldest(Self.queueLimit))
    }

    /// Queues `event`; drops it (logged) when the queue is full.
    func enqueue(_ event: AlertEvent) {
        if case .dropped = self.input.yield(event) {
            self.logger.error(
                "alert dropped: the web hook queue is full",
                metadata: ["event": .string(event.name), "delivery": .string(event.id)])
        }
    }

    /// No more events.
    func finish() { self.input.finish() }

    /// Delivers queued events until ``finish()`` or cancellation.
    func run() async {
        for await event in self.queue {
            if Task.isCancelled { return }
            await self.deliver(event)
        }
    }

    /// The signature header's value for `body` signed at `timestamp`.
    public static func signature(secret: some Collection<UInt8>, timestamp: String, body: [UInt8]) -> String {
        "sha256="
            + Hex.encode(
                HMAC.authenticationCode(
                    .sha256, key: secret, message: Array(timestamp.utf8) + [UInt8(ascii: ".")] + body))
    }

    private func deliver(_ event: AlertEvent) async {
        let body = event.body
        var delay = self.settings.retryDelayMilliseconds
        var outcome = "no try"
        for attempt in 1...self.settings.maxAttempts {
            if attempt > 1 {
                do { try await Task.sleep(for: .milliseconds(delay)) } catch { break }
                delay = min(self.settings.maxDelayMilliseconds, delay * 2)
            }
            let secret: Secret
            do {
                guard let value = try self.secrets.secret(for: self.secret), !value.isEmpty else {
                    throw GatewayError(.internal, "unset")
                }
                secret = value
            } catch {
                // Never sent unsigned.
                outcome = "the web hook secret (\(self.secret)) cannot be read"
                continue
            }
            let timestamp = String(Timestamp.now().seconds)
            var headers: HTTPFields = [.contentType: "application/json"]
            headers[Self.timestampField] = timestamp
            headers[Self.signatureField] = secret.withBytes {
                Self.signature(secret: $0, timestamp: timestamp, body: body)
            }
            headers[Self.eventField] = event.name
            headers[Self.deliveryField] = event.id
            var options = TransportOptions()
            options.timeoutMilliseconds = self.settings.timeoutMilliseconds
            do {
                let response = try await self.transport.send(
                    UpstreamRequest(
                        method: .post, url: self.url, headers: headers, body: .bytes(ByteBuffer(bytes: body)),
                        options: options))
                response.body.cancel()
                if (200..<300).contains(response.status) {
                    self.logger.info(
                        "alert delivered",
                        metadata: [
                            "event": .string(event.name), "delivery": .string(event.id),
                            "attempt": .stringConvertible(attempt),
                        ])
                    return
                }
                outcome = "HTTP \(response.status)"
                if (400..<500).contains(response.status), response.status != 408, response.status != 429 { break }
            } catch let error as TransportError {
                outcome = error.kind.rawValue
            } catch {
                outcome = "\(type(of: error))"
            }
            guard attempt < self.settings.maxAttempts else { break }
            self.logger.warning(
                "alert not delivered; retrying",
                metadata: [
                    "event": .string(event.name), "delivery": .string(event.id), "attempt": .stringConvertible(attempt),
                    "reason": .string(outcome), "retry_in_ms": .stringConvertible(delay),
                ])
        }
        self.logger.error(
            "alert dropped after its tries",
            metadata: [
                "event": .string(event.name), "delivery": .string(event.id), "connection": .string(event.connection),
                "reason": .string(outcome),
            ])
    }
}
