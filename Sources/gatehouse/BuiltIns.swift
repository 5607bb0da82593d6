import GatehouseCore
import GatehouseHTTP
import GatehouseHTTPSimulator
import GatehouseK2
import GatehouseK2Simulator
import GatehouseOKIT
import GatehouseOKITSimulator

/// The one explicit list of built-in adapters and simulators. Adding an adapter: its folder,
/// one `adapter(...)` call in Package.swift, one line here.
enum BuiltIns {
    static let adapters = AdapterRegistry([
        HTTPAdapter.kind,
        OKITAdapter.kind,
        K2Adapter.kind,
    ])

    static let simulators: [SimulatorKind] = [
        EchoUpstream.kind,
        OKITSimulator.kind,
        K2Simulator.kind,
    ]
}
