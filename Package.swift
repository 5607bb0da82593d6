// swift-tools-version:6.2
import PackageDescription

/// Settings for every target of our own: Swift 6 mode, `any` spelled out, warnings are errors.
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .treatAllWarnings(as: .error),
]

/// The core's settings: strict, and a member is visible only where its module is imported, so
/// the core cannot lean on Foundation (or anything else) by accident.
let coreSettings: [SwiftSetting] = strictSettings + [.enableUpcomingFeature("MemberImportVisibility")]

let core: Target.Dependency = "GatehouseCore"
let nioCore: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")
let hummingbird: Target.Dependency = .product(name: "Hummingbird", package: "hummingbird")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let postgresNIO: Target.Dependency = .product(name: "PostgresNIO", package: "postgres-nio")

/// Declares the targets of one adapter folder `Adapters/<folder>`: the adapter itself
/// (`Gatehouse<name>`), its simulator (`Gatehouse<name>Simulator` in `Simulator/`, or
/// `simulatorTarget` in `simulatorFolder`, when it has one) and its tests
/// (`Tests/Adapters/<folder>`); its adapter and simulator become dependencies of `GatehouseAdapters`. Adding an adapter
/// is its folder, this one call and one entry in
/// `Sources/GatehouseAdapters/BuiltIns.swift` (docs/adding-an-adapter.md).
func adapter(
    _ name: String,
    folder: String? = nil,
    dependencies: [Target.Dependency] = [],
    simulator: Bool = true,
    simulatorTarget: String? = nil,
    simulatorFolder: String = "Simulator",
    simulatorDependencies: [Target.Dependency] = [],
    testDependencies extraTestDependencies: [Target.Dependency] = []
) -> [Target] {
    let folder = folder ?? name
    let simulatorTarget = simulatorTarget ?? "Gatehouse\(name)Simulator"
    var targets: [Target] = [
        .target(
            name: "Gatehouse\(name)",
            dependencies: [core, nioCore, logging] + dependencies,
            path: "Adapters/\(folder)/Adapter",
            swiftSettings: strictSettings
        )
    ]
    var testDependencies: [Target.Dependency] =
        [.target(name: "Gatehouse\(name)"), "GatehouseTestSupport"] + extraTestDependencies
    if simulator {
        targets.append(
            .target(
                name: simulatorTarget,
                dependencies: [core, "GatehouseSimulation", hummingbird, logging] + simulatorDependencies,
                path: "Adapters/\(folder)/\(simulatorFolder)",
                swiftSettings: strictSettings
            )
        )
        testDependencies.append(.target(name: simulatorTarget))
    }
    targets.append(
        .testTarget(
            name: "Gatehouse\(name)Tests",
            dependencies: testDependencies,
            path: "Tests/Adapters/\(folder)",
            swiftSettings: strictSettings
        )
    )
    return targets
}

/// Every adapter folder, one `adapter(...)` call each.
let adapterTargets: [Target] =
    // The generic REST upstream: no vendor protocol to simulate, so an echo upstream answers what it received.
    adapter(
        "HTTP", simulatorTarget: "GatehouseEchoUpstream", simulatorFolder: "EchoUpstream",
        // The core's spans and reload rebuild, checked in-process with a real upstream.
        testDependencies: ["GatehouseCurl", .product(name: "InMemoryTracing", package: "swift-distributed-tracing")])
    // Keyfax: HMAC Basic scheme, JWTs, keys by bootstrap / web hook rotation, start-up and results.
    + adapter(
        "Keyfax",
        dependencies: ["GatehouseCrypto", "GatehouseXML"],
        simulatorDependencies: ["GatehouseCrypto", "GatehouseCurl", "GatehouseXML"],
        testDependencies: ["GatehouseSQLite", "GatehouseCurl"]
    )
    // OKIT token validation: the `token.validate` operation and the `okit` inbound authenticator.
    + adapter("OKIT")
    // Checkfront API 3.0: token pairs and OAuth2 authorization code with refresh-token rotation.
    + adapter(
        "Checkfront", dependencies: ["GatehouseCrypto"], simulatorDependencies: ["GatehouseCrypto"],
        // The OAuth tests run adapter, simulator and a real vault in one process on one clock.
        testDependencies: ["GatehouseSQLite", "GatehouseCurl"])
    // K2 (seed 003): URL HMAC-MD5 signing, Data / Meta / Formation operations, XML through GatehouseXML.
    + adapter(
        "K2",
        dependencies: ["GatehouseCrypto", "GatehouseXML"],
        simulatorDependencies: ["GatehouseCrypto", "GatehouseXML"],
        // The slot tests run adapter, simulator and real transport in one process.
        testDependencies: ["GatehouseCurl"]
    )

/// The built-in adapters and simulators (`BuiltIns`), over every adapter and simulator target the
/// calls above declared: the executable depends on it, never on an adapter by name.
let aggregate: Target = .target(
    name: "GatehouseAdapters",
    dependencies: [core, "GatehouseSimulation"]
        + adapterTargets.filter { $0.type == .regular }.map { .target(name: $0.name) },
    swiftSettings: strictSettings
)

let package = Package(
    name: "gatehouse",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gatehouse", targets: ["gatehouse"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // W3C trace context spans through the swift-distributed-tracing API (an exporter is the operator's choice).
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
    ],
    targets: [
        // C modules: one per system library, imported only by their Swift wrapper.
        .target(
            name: "CGatehouseCurl",
            path: "Sources/CGatehouseCurl",
            linkerSettings: [.linkedLibrary("curl")]
        ),
        .target(
            name: "CGatehouseOpenSSL",
            path: "Sources/CGatehouseOpenSSL",
            linkerSettings: [.linkedLibrary("crypto")]
        ),
        // The commit `gatehouse --version` reports (scripts/stamp-commit.sh writes it; "unknown" without).
        .target(name: "CGatehouseBuildInfo", path: "Sources/CGatehouseBuildInfo"),
        .target(
            name: "CGatehouseSQLite",
            path: "Sources/CGatehouseSQLite",
            linkerSettings: [.linkedLibrary("sqlite3")]
        ),
        // libxml2 (pkg-config libxml-2.0): typed shims in a header, imported only by GatehouseXML.
        .systemLibrary(
            name: "CGatehouseXML2",
            path: "Sources/CGatehouseXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .target(
            name: "GatehouseXML",
            dependencies: ["CGatehouseXML2", core],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GatehouseXMLTests",
            dependencies: ["GatehouseXML", core],
            swiftSettings: strictSettings
        ),
        // The embedded vault store; nothing above the CredentialStore protocol depends on it.
        .target(
            name: "GatehouseSQLite",
            dependencies: ["CGatehouseSQLite", core],
            swiftSettings: strictSettings
        ),
        // The shared vault store for several instances (vault.backend: postgres), on postgres-nio.
        .target(
            name: "GatehousePostgres",
            dependencies: [core, logging, nioCore, postgresNIO],
            swiftSettings: strictSettings
        ),
        .target(
            name: "GatehouseCrypto",
            dependencies: ["CGatehouseOpenSSL"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "GatehouseCore",
            dependencies: [
                "GatehouseCrypto",
                nioCore,
                logging,
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: coreSettings
        ),
        .target(
            name: "GatehouseCurl",
            dependencies: ["CGatehouseCurl", core, nioCore, logging],
            swiftSettings: strictSettings
        ),
        // The loopback HTTP server every protocol simulator runs on.
        .target(
            name: "GatehouseSimulation",
            dependencies: [
                core, hummingbird, logging, nioCore, .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: strictSettings
        ),
        // The operator console on the admin listener: Mustache pages, its CSS and JS embedded in the binary.
        .target(
            name: "GatehouseConsole",
            dependencies: [
                core, "GatehouseCrypto", hummingbird, logging,
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [
                .embedInCode("Assets/layout.mustache"), .embedInCode("Assets/login.mustache"),
                .embedInCode("Assets/connections.mustache"), .embedInCode("Assets/confirm.mustache"),
                .embedInCode("Assets/vault.mustache"), .embedInCode("Assets/audit.mustache"),
                .embedInCode("Assets/clients.mustache"), .embedInCode("Assets/message.mustache"),
                .embedInCode("Assets/console.css"), .embedInCode("Assets/console.js"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GatehouseConsoleTests",
            dependencies: ["GatehouseConsole", core],
            swiftSettings: strictSettings
        ),
        .target(
            name: "GatehouseServer",
            dependencies: [
                core, "GatehouseCrypto", "GatehouseXML", "GatehouseConsole", hummingbird, logging,
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "gatehouse",
            dependencies: [
                core, "CGatehouseBuildInfo", "GatehouseCrypto", "GatehouseCurl", "GatehouseServer", "GatehouseConsole",
                "GatehouseSQLite",
                "GatehousePostgres", "GatehouseAdapters", "GatehouseSimulation", hummingbird, logging,
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // Shared test helpers: locating and launching the real gateway binary, free ports, log capture.
        .target(
            name: "GatehouseTestSupport",
            dependencies: [
                core, "GatehouseCurl", "GatehouseSimulation", "GatehouseEchoUpstream", "GatehouseOKITSimulator",
                "GatehouseK2Simulator",
                nioCore, logging, postgresNIO,
            ],
            path: "Tests/Support",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GatehouseCryptoTests",
            dependencies: ["GatehouseCrypto"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GatehouseCoreTests",
            dependencies: [core, "GatehouseTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GatehouseCurlTests",
            dependencies: ["GatehouseCurl", core, "GatehouseTestSupport", "GatehouseEchoUpstream", hummingbird],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GatehouseVaultTests",
            dependencies: [core, "GatehouseSQLite", "GatehousePostgres", "GatehouseTestSupport", postgresNIO],
            swiftSettings: strictSettings
        ),
        // A child process for the crash tests: writes secrets in a loop until it is killed.
        .executableTarget(
            name: "gatehouse-vault-writer",
            dependencies: [core, "GatehouseSQLite"],
            path: "Tests/VaultWriter",
            swiftSettings: strictSettings
        ),
        // `make bench`'s vault figures (cached reads, seal/open, durable puts) and parser shape figures; never run by
        // `make test`.
        .executableTarget(
            name: "gatehouse-microbench",
            dependencies: [core, "GatehouseCrypto", "GatehouseSQLite", "GatehouseXML"],
            path: "Benchmarks/Micro",
            swiftSettings: strictSettings
        ),
        // Fuzzing (Tests/Fuzz/README.md): every parser of outside input behind one entry per target,
        // replayed over the seed corpora by `make test` and run under libFuzzer by `make fuzz`. Parser
        // modules only (no server), so `make fuzz` sanitizes little beyond what it fuzzes.
        .target(
            name: "GatehouseFuzzTargets",
            dependencies: [
                core, "GatehouseCrypto", "GatehouseXML", nioCore, logging,
                "GatehouseHTTP", "GatehouseOKIT", "GatehouseCheckfront", "GatehouseKeyfax", "GatehouseK2",
                "GatehouseCurl",
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Tests/FuzzTargets",
            swiftSettings: strictSettings
        ),
        // libFuzzer's harness when built with -D GATEHOUSE_FUZZ (make fuzz); otherwise replays files.
        .executableTarget(
            name: "gatehouse-fuzz",
            dependencies: ["GatehouseFuzzTargets"],
            path: "Tests/FuzzRunner",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GatehouseFuzzTests",
            dependencies: ["GatehouseFuzzTargets"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GatehouseEndToEndTests",
            dependencies: [
                "gatehouse", "GatehouseTestSupport", "GatehouseSimulation", "GatehouseEchoUpstream",
                "GatehouseOKITSimulator",
                "GatehouseKeyfaxSimulator", "GatehouseCheckfrontSimulator", "GatehouseK2Simulator", "GatehouseXML",
                core, "GatehouseCrypto", "GatehouseCurl", .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: strictSettings
        ),
    ] + adapterTargets + [aggregate]
)
