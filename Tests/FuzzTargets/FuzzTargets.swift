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
        // SLOT curl-status-line: the curl status/header line parser (issue 11, part 1) is being
        // extracted into a pure type in GatehouseCurl. Once merged, add a `static let
        // curlStatusLine = FuzzTarget("curl-status-line", ...)` in FuzzTargets+Transport.swift,
        // list it here, add GatehouseCurl to GatehouseFuzzTargets' dependencies in Package.swift,
        // seed Tests/Fuzz/curl-status-line/ and add its expected seed to FuzzCorpusTests.
    ]

    /// The target called `name`.
    public static func named(_ name: String) -> FuzzTarget? {
        self.all.first { $0.name == name }
    }
}
