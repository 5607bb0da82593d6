import CoreMetrics
import GatehouseCore
import Synchronization

/// The gateway's metrics through swift-metrics: requests by connection and status, latency
/// histograms, upstream errors by kind, requests in flight. Labels are bounded: connection
/// names come from config, never from the request path.
final class GatewayMetrics: Sendable {
    private let factory: any MetricsFactory
    private let counters = Mutex<[Key: Counter]>([:])
    private let timers = Mutex<[Key: Timer]>([:])
    private let requests = Mutex<[Key: RequestSeries]>([:])

    /// What one finished request updates.
    private struct RequestSeries {
        let counter: Counter
        let timer: Timer
    }

    /// A metric's identity in the caches: no string is built per request to look one up.
    private struct Key: Hashable {
        var series: String
        var connection: String
        var route: String
        var status = 0
    }
    private let inFlight: Meter

    init(factory: any MetricsFactory) {
        self.factory = factory
        self.inFlight = Meter(label: "gatehouse_requests_in_flight", dimensions: [], factory: factory)
    }

    /// Called when a request starts.
    func started() { self.inFlight.increment() }

    /// Called once per request when its answer is complete: one cache lookup (the counter of
    /// the status and the timer of the route, found together), no string built.
    func finished(connection: String, route: String, status: Int, nanoseconds: Int64) {
        self.inFlight.decrement()
        let key = Key(series: "requests", connection: connection, route: route, status: status)
        let series = self.requests.withLock { cache in
            if let series = cache[key] { return series }
            let counter = Counter(
                label: "gatehouse_requests_total",
                dimensions: [("connection", connection), ("route", route), ("status", String(status))],
                factory: self.factory
            )
            let series = RequestSeries(counter: counter, timer: self.timer(connection: connection, route: route))
            cache[key] = series
            return series
        }
        series.counter.increment()
        series.timer.recordNanoseconds(nanoseconds)
    }

    /// The duration timer of a connection and route (one per pair, whatever the status).
    private func timer(connection: String, route: String) -> Timer {
        let timerKey = Key(series: "duration", connection: connection, route: route)
        return self.timers.withLock { cache in
            if let timer = cache[timerKey] { return timer }
            let timer = Timer(
                label: "gatehouse_request_duration_seconds",
                dimensions: [("connection", connection), ("route", route)],
                preferredDisplayUnit: .seconds,
                factory: self.factory
            )
            cache[timerKey] = timer
            return timer
        }
    }

    /// Sets `gatehouse_connection_state{connection,state}` (1 for the current state, 0 for the
    /// others) and `gatehouse_credential_expiry_seconds{connection,credential}` (seconds left),
    /// plus `gatehouse_connection_warning{connection}` (1 while a warning stands).
    func connectionHealth(_ reports: [(String, ConnectionHealth.Report)]) {
        let now = Timestamp.now()
        for (connection, report) in reports {
            for state in ConnectionHealth.State.allCases {
                Gauge(
                    label: "gatehouse_connection_state",
                    dimensions: [("connection", connection), ("state", state.rawValue)], factory: self.factory
                )
                .record(state == report.state ? 1 : 0)
            }
            for (credential, expiry) in report.expiries {
                Gauge(
                    label: "gatehouse_credential_expiry_seconds",
                    dimensions: [("connection", connection), ("credential", credential)], factory: self.factory
                )
                .record(Double(expiry.seconds - now.seconds))
            }
            Gauge(
                label: "gatehouse_connection_warning", dimensions: [("connection", connection)], factory: self.factory
            )
            .record(report.warning == nil ? 0 : 1)
        }
    }

    /// Counts an upstream failure of a bounded kind (an error code).
    func upstreamError(connection: String, kind: String) {
        let key = Key(series: "upstream", connection: connection, route: kind)
        let counter = self.counters.withLock { cache in
            if let counter = cache[key] { return counter }
            let counter = Counter(
                label: "gatehouse_upstream_errors_total",
                dimensions: [("connection", connection), ("kind", kind)],
                factory: self.factory
            )
            cache[key] = counter
            return counter
        }
        counter.increment()
    }

    /// Counts a request refused by a rate limit: `gatehouse_rate_limited_total{client}` or
    /// `{connection}` (names from config only).
    func rateLimited(scope: String, name: String) {
        let key = Key(series: "rate_limited", connection: name, route: scope)
        let counter = self.counters.withLock { cache in
            if let counter = cache[key] { return counter }
            let counter = Counter(
                label: "gatehouse_rate_limited_total", dimensions: [(scope, name)], factory: self.factory)
            cache[key] = counter
            return counter
        }
        counter.increment()
    }

    /// Records where a proxied or operation request's time went:
    /// `gatehouse_queue_wait_seconds{connection}` (waiting for a bulkhead slot) and
    /// `gatehouse_upstream_duration_seconds{connection}` (until the upstream's answer head).
    func upstreamTimings(connection: String, queueNanoseconds: Int64, upstreamNanoseconds: Int64) {
        for (series, label, value) in [
            ("queue", "gatehouse_queue_wait_seconds", queueNanoseconds),
            ("upstream", "gatehouse_upstream_duration_seconds", upstreamNanoseconds),
        ] {
            let key = Key(series: series, connection: connection, route: "")
            let timer = self.timers.withLock { cache in
                if let timer = cache[key] { return timer }
                let timer = Timer(
                    label: label, dimensions: [("connection", connection)], preferredDisplayUnit: .seconds,
                    factory: self.factory)
                cache[key] = timer
                return timer
            }
            timer.recordNanoseconds(value)
        }
    }

    /// Sets `gatehouse_circuit_state{connection}`: 0 closed, 1 open, 2 half-open.
    func circuitStates(_ states: [(String, CircuitBreaker.State)]) {
        for (connection, state) in states {
            Gauge(label: "gatehouse_circuit_state", dimensions: [("connection", connection)], factory: self.factory)
                .record(state.gaugeValue)
        }
    }
}
