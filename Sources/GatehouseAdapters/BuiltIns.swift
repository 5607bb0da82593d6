import GatehouseCheckfront
import GatehouseCheckfrontSimulator
import GatehouseCore
import GatehouseHTTP
import GatehouseHTTPSimulator
import GatehouseKeyfax
import GatehouseKeyfaxSimulator
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
        CheckfrontAdapter.kind,
        KeyfaxAdapter.kind,
        K2Adapter.kind,
    ])

    static let simulators: [SimulatorKind] = [
        EchoUpstream.kind,
        KeyfaxSimulator.kind,
        OKITSimulator.kind,
        CheckfrontSimulator.kind,
        K2Simulator.kind,
    ]
}
