import GatehouseCore
import GatehouseSimulation

extension OKITSimulator {
    /// How the validator misbehaves, for fail-closed tests.
    public enum Failure: String, Sendable, CaseIterable {
        /// Answers as the seed documents.
        case none
        /// 500 with an HTML error page.
        case serverError = "server_error"
        /// 200 `text/plain` "Token is valid": looks like success, is not JSON.
        case garbage
        /// 302 to ``Mode/redirectTo``, with a `{"valid": true}` body that must not be believed.
        case redirect
        /// 200 with `"valid": "true"` (a string, not a boolean).
        case wrongShape = "wrong_shape"
    }

    /// The validator's current behaviour.
    public struct Mode: Sendable, Equatable {
        /// Delay before every validator answer.
        public var latencyMilliseconds = 0
        /// The failure to simulate.
        public var failure = Failure.none
        /// Status for normal answers instead of 200 (the body stays the real verdict).
        public var status: Int?
        /// Where `redirect` points.
        public var redirectTo = "http://127.0.0.1:1/OKIT.Operator.Api/Account/Login"

        /// Creates a mode; the defaults answer as the real validator does.
        public init(
            latencyMilliseconds: Int = 0, failure: Failure = .none, status: Int? = nil, redirectTo: String? = nil
        ) {
            self.latencyMilliseconds = latencyMilliseconds
            self.failure = failure
            self.status = status
            if let redirectTo { self.redirectTo = redirectTo }
        }

        /// The mode as the `/_sim/mode` JSON.
        var json: Value {
            var object: Value.Object = [
                "latency_ms": .int(self.latencyMilliseconds),
                "failure": .string(self.failure.rawValue),
                "redirect_to": .string(self.redirectTo),
            ]
            object["status"] = self.status.map(Value.int) ?? .null
            return .object(object)
        }

        /// Reads `{"latency_ms"?, "failure"?, "status"?, "redirect_to"?}`; absent keys take defaults.
        init(json: Value) throws(SimulatorRefusal) {
            guard let object = json.objectValue else { throw SimulatorRefusal("expected a JSON object") }
            for key in object.keys where !["latency_ms", "failure", "status", "redirect_to"].contains(key) {
                throw SimulatorRefusal("unknown key \"\(key)\" (known: failure, latency_ms, redirect_to, status)")
            }
            self.init()
            if let latency = object["latency_ms"], latency != .null {
                guard let value = latency.intValue, (0...600_000).contains(value) else {
                    throw SimulatorRefusal("latency_ms: 0...600000")
                }
                self.latencyMilliseconds = value
            }
            if let failure = object["failure"], failure != .null {
                guard let name = failure.stringValue, let value = Failure(rawValue: name) else {
                    throw SimulatorRefusal(
                        "failure: one of \(Failure.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                self.failure = value
            }
            if let status = object["status"], status != .null {
                guard let value = status.intValue, (100...599).contains(value) else {
                    throw SimulatorRefusal("status: 100...599")
                }
                self.status = value
            }
            if let target = object["redirect_to"], target != .null {
                guard let value = target.stringValue else { throw SimulatorRefusal("redirect_to: a URL") }
                self.redirectTo = value
            }
        }
    }
}
