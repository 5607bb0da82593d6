/// Every fuzz target, by name. Each name has a seed corpus folder `Tests/Fuzz/<name>/`, which
/// `make test` replays (GatehouseFuzzTests) and `make fuzz` starts libFuzzer from.
public enum FuzzTargets {
    /// All targets, in the order `make fuzz` runs them.
    public static let all: [FuzzTarget] = [
        Self.json,
        Self.xml,
        Self.config,
        Self.form,
        Self.base64Hex,
        Self.k2Conditions,
        Self.k2Cursor,
        Self.okitAnswer,
        Self.tokenAnswer,
        Self.keyfaxHook,
        Self.keyfaxJWT,
        Self.checkfrontEnvelope,
        Self.curlStatusLine,
    ]

    /// The target called `name`.
    public static func named(_ name: String) -> FuzzTarget? {
        self.all.first { $0.name == name }
    }
}
