import GatehouseCore
import Hummingbird

/// The control surface every simulator shares under `/_sim/` (``SimulatorState`` says what
/// each route means), then the simulator's own control routes.
enum SimulatorControl {
    static let prefix = "/_sim/"

    static func respond<S: Simulator>(to request: Request, simulator: S) async throws -> Response {
        let route = String(request.uri.path.dropFirst(Self.prefix.count))
        let body = try await SimulatorHTTP.json(of: request)
        let state = simulator.state
        switch (request.method, route) {
        case (.get, "stats"):
            return SimulatorHTTP.json(state.statsJSON)
        case (.post, "reset"):
            state.reset()
            return SimulatorHTTP.json(["reset": true])
        case (.get, "mode"), (.post, "mode"):
            do throws(SimulatorRefusal) {
                if request.method == .post { try state.setMode(json: body) }
                guard let mode = state.modeJSON else { throw SimulatorRefusal("this simulator has no modes") }
                return SimulatorHTTP.json(mode)
            } catch {
                return SimulatorHTTP.json(["error": .string(error.message)], status: state.modeJSON == nil ? 404 : 400)
            }
        case (.get, "clock"), (.post, "clock"):
            guard let clock = state.clock else {
                return SimulatorHTTP.json(["error": "this simulator follows real time"], status: 404)
            }
            if request.method == .post {
                guard case .object(let object) = body,
                    object.keys.allSatisfy({ ["advance_seconds", "offset_seconds"].contains($0) }),
                    object.keys.count == 1,
                    let seconds = (object["advance_seconds"] ?? object["offset_seconds"])?.intValue,
                    abs(seconds) <= 100 * 366 * 86_400
                else {
                    return SimulatorHTTP.json(
                        [
                            "error":
                                """
                            body must be {\"advance_seconds\": N} or {\"offset_seconds\": N}, |N| at most 100 \
                            years
                            """
                        ], status: 400)
                }
                if object["advance_seconds"] != nil {
                    clock.advance(seconds: Int64(seconds))
                } else {
                    clock.set(offsetSeconds: Int64(seconds))
                }
            }
            return SimulatorHTTP.json(clock.json)
        default:
            if let answer = try await simulator.control(route, request: request, body: body) { return answer }
            return SimulatorHTTP.json(
                [
                    "error": .string(
                        "unknown control route /_sim/\(route.prefix(80)) (shared: stats, reset, mode, clock)")
                ], status: 404)
        }
    }
}
