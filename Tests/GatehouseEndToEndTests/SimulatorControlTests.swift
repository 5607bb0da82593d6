import GatehouseCheckfrontSimulator
import GatehouseCore
import GatehouseEchoUpstream
import GatehouseK2Simulator
import GatehouseKeyfaxSimulator
import GatehouseOKITSimulator
import GatehouseSimulation
import GatehouseTestSupport
import Logging
import Testing

/// The `/_sim/` control surface every simulator shares: `stats`, `reset`, `mode` and `clock`
/// answer alike on each, and 404 where a simulator has no modes or no clock of its own.
@Suite(.timeLimit(.minutes(2))) struct SimulatorControlTests {
    /// Runs `body` against `simulator` on a free port.
    func with<S: Simulator>(_ simulator: S, _ body: (String, TestClient) async throws -> Void) async throws {
        let fixture = try await SimulatorFixture.start(simulator)
        let client = TestClient()
        defer {
            fixture.stop()
            client.shutdown()
        }
        try await body(fixture.origin + "/_sim/", client)
    }

    func checkShared(_ sim: String, _ client: TestClient, hasMode: Bool, hasClock: Bool) async throws {
        let stats = try await client.send(.get, sim + "stats")
        #expect(stats.status == 200)
        #expect(stats.json.objectValue != nil, "\(stats.text)")
        let reset = try await client.send(.post, sim + "reset")
        #expect(reset.json == ["reset": true])
        let mode = try await client.send(.get, sim + "mode")
        #expect(mode.status == (hasMode ? 200 : 404), "\(mode.text)")
        let clock = try await client.send(.get, sim + "clock")
        #expect(clock.status == (hasClock ? 200 : 404), "\(clock.text)")
        let unknown = try await client.send(.post, sim + "no-such-route")
        #expect(unknown.status == 404)
        #expect(unknown.json["error"]?.stringValue?.contains("shared: stats, reset, mode, clock") == true)
    }

    @Test func echo() async throws {
        try await self.with(EchoUpstream()) { sim, client in
            _ = try await client.send(.get, sim.replacing("/_sim/", with: "/echo/x"))
            #expect(try await client.send(.get, sim + "stats").json == ["requests": 1])
            try await self.checkShared(sim, client, hasMode: false, hasClock: false)
            #expect(try await client.send(.get, sim + "stats").json == ["requests": 0])
        }
    }

    @Test func okitAndK2HaveModes() async throws {
        try await self.with(OKITSimulator(state: OKITSimulatorState(.demo))) { sim, client in
            try await self.checkShared(sim, client, hasMode: true, hasClock: false)
            let set = try await client.send(.post, sim + "mode", body: Array(#"{"latency_ms": 5}"#.utf8))
            #expect(set.json["latency_ms"] == 5)
            #expect(try await client.send(.post, sim + "mode", body: Array(#"{"failure": "nope"}"#.utf8)).status == 400)
            // A reset puts the mode back to normal.
            _ = try await client.send(.post, sim + "reset")
            #expect(try await client.send(.get, sim + "mode").json["latency_ms"] == 0)
        }
        try await self.with(K2Simulator(state: K2SimulatorState())) { sim, client in
            try await self.checkShared(sim, client, hasMode: true, hasClock: false)
            #expect(
                try await client.send(.post, sim + "mode", body: Array(#"{"error_kind": "Nope"}"#.utf8)).status == 400)
            let set = try await client.send(.post, sim + "mode", body: Array(#"{"latency_ms": 7}"#.utf8))
            #expect(set.json["latency_ms"] == 7)
            // A POST sets the whole mode: absent keys take their defaults.
            #expect(try await client.send(.post, sim + "mode", body: Array("{}".utf8)).json["latency_ms"] == 0)
        }
    }

    @Test func keyfaxAndCheckfrontHaveClocks() async throws {
        var logger = Logger(label: "test.keyfax")
        logger.logLevel = .critical
        let keyfax = KeyfaxSimulator(state: KeyfaxSimulatorState(.init(hosts: ["Dev": nil])), logger: logger)
        for simulator in [
            AnySimulatorStart(keyfax), AnySimulatorStart(CheckfrontSimulator(state: CheckfrontSimulatorState())),
        ] {
            try await simulator.run(self) { sim, client in
                try await self.checkShared(sim, client, hasMode: false, hasClock: true)
                #expect(try await client.send(.get, sim + "clock").json["offset_seconds"] == 0)
                let advanced = try await client.send(
                    .post, sim + "clock", body: Array(#"{"advance_seconds": 60}"#.utf8))
                #expect(advanced.json["offset_seconds"] == 60)
                let again = try await client.send(.post, sim + "clock", body: Array(#"{"advance_seconds": 30}"#.utf8))
                #expect(again.json["offset_seconds"] == 90)
                let set = try await client.send(.post, sim + "clock", body: Array(#"{"offset_seconds": -5}"#.utf8))
                #expect(set.json["offset_seconds"] == -5)
                #expect(try await client.send(.post, sim + "clock", body: Array(#"{"advance": 1}"#.utf8)).status == 400)
                #expect(
                    try await client.send(.post, sim + "clock", body: Array(#"{"advance_seconds": 1e300}"#.utf8)).status
                        == 400)
                // A reset puts the clock back.
                _ = try await client.send(.post, sim + "reset")
                #expect(try await client.send(.get, sim + "clock").json["offset_seconds"] == 0)
            }
        }
    }
}

/// A simulator of any type, for running the same checks over several.
struct AnySimulatorStart: Sendable {
    let start: @Sendable (SimulatorControlTests, (String, TestClient) async throws -> Void) async throws -> Void

    init<S: Simulator>(_ simulator: S) {
        self.start = { tests, body in try await tests.with(simulator, body) }
    }

    func run(_ tests: SimulatorControlTests, _ body: (String, TestClient) async throws -> Void) async throws {
        try await self.start(tests, body)
    }
}
