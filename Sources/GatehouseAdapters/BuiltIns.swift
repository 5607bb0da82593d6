import GatehouseCheckfront
import GatehouseCheckfrontSimulator
import GatehouseCore
import GatehouseEchoUpstream
import GatehouseHTTP
import GatehouseK2
import GatehouseK2Simulator
import GatehouseKeyfax
import GatehouseKeyfaxSimulator
import GatehouseOKIT
import GatehouseOKITSimulator
import GatehouseSimulation

/// The one explicit list of built-in adapters, each with its simulator. Adding an adapter: its
/// folder, one `adapter(...)` call in Package.swift (which makes its targets dependencies of this
/// module) and one entry here, with the imports of its two modules (docs/adding-an-adapter.md).
public enum BuiltIns {
    /// Each adapter kind with the simulator of its upstream.
    static let entries: [(adapter: AdapterKind, simulator: SimulatorKind)] = [
        (HTTPAdapter.kind, EchoUpstream.kind),
        (OKITAdapter.kind, OKITSimulator.kind),
        (CheckfrontAdapter.kind, CheckfrontSimulator.kind),
        (KeyfaxAdapter.kind, KeyfaxSimulator.kind),
        (K2Adapter.kind, K2Simulator.kind),
    ]

    /// The adapter kinds, for `adapter:` in the configuration.
    public static let adapters = AdapterRegistry(Self.entries.map(\.adapter))

    /// The simulators, for `gatehouse simulate NAME`.
    public static let simulators: [SimulatorKind] = Self.entries.map(\.simulator)
}
