// gatehouse-microbench: the vault's figures for `make bench`, each beside a reference measured in
// the same run on the same machine, printed as a Markdown table.
//
//   cached secret read   Vault.secret(for:) (the request path)   vs  the env: source (EnvironmentSecretSource)
//   seal / open          EnvelopeCipher (path+version AAD, format byte)  vs  bare AES-256-GCM on the same bytes
//   durable put          Vault.put on SQLite (WAL, synchronous=FULL)     vs  write+fsync of a file in the same
// directory
//   tree parsing         200k XML siblings / JSON keys / items          vs  the same count nested once (TreeBenchmarks)
import GatehouseCore
import GatehouseCrypto
import GatehouseSQLite

#if canImport(Glibc)
    import Glibc
#endif

/// Runs `body` repeatedly for about `seconds` and returns operations per second.
func rate(seconds: Double = 1.0, batch: Int, _ body: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    var operations = 0
    let start = clock.now
    var elapsed = Duration.zero
    while elapsed < .milliseconds(Int(seconds * 1000)) {
        for _ in 0..<batch { try body() }
        operations += batch
        elapsed = clock.now - start
    }
    let (whole, attos) = elapsed.components
    return Double(operations) / (Double(whole) + Double(attos) / 1e18)
}

func asyncRate(seconds: Double = 2.0, _ body: () async throws -> Void) async rethrows -> Double {
    let clock = ContinuousClock()
    var operations = 0
    let start = clock.now
    var elapsed = Duration.zero
    while elapsed < .milliseconds(Int(seconds * 1000)) {
        try await body()
        operations += 1
        elapsed = clock.now - start
    }
    let (whole, attos) = elapsed.components
    return Double(operations) / (Double(whole) + Double(attos) / 1e18)
}

func format(_ value: Double) -> String {
    value >= 100 ? String(Int(value.rounded())) : String(Double(Int(value * 100)) / 100)
}

// `gatehouse-microbench trees`: only the parser shapes (TREE_BENCH_COUNT sets the size).
if CommandLine.arguments.dropFirst().first == "trees" {
    for row in try TreeBenchmarks.table() { print(row) }
    exit(0)
}

let base = "/tmp/gatehouse-microbench-\(getpid())"
guard mkdir(base, 0o700) == 0 else { fatalError("cannot create \(base)") }
let store = try SQLiteCredentialStore(path: base + "/vault.db", create: true)
let vault = try await Vault.initialize(
    store: store, masterKey: MasterKey.generate(), by: VaultActor(name: "bench", source: .cli))

// 100 secrets, as a gateway with a few dozen connections would hold.
var environment: [String: String] = [:]
for index in 0..<100 {
    try await vault.put(
        "bench/secret-\(index)", Secret("value-\(index)-" + String(repeating: "x", count: 40)),
        by: VaultActor(name: "bench", source: .cli))
    environment["BENCH_SECRET_\(index)"] = "value-\(index)"
}
let reference = EnvironmentSecretSource(environment: environment)
let vaultRef = SecretReference.vault("bench/secret-42")
let envRef = SecretReference.environment("BENCH_SECRET_42")
var sink = 0
let cachedRead = try rate(batch: 10_000) { sink &+= try vault.secret(for: vaultRef)?.isEmpty == true ? 1 : 0 }
let dictionaryRead = try rate(batch: 10_000) { sink &+= try reference.secret(for: envRef)?.isEmpty == true ? 1 : 0 }

let cipher = EnvelopeCipher(dataKey: SecureRandom.bytes(32))!
let value = Secret(String(repeating: "s", count: 64))
let rawKey = SecureRandom.bytes(32)
let rawBytes = [UInt8](repeating: 0x73, count: 64)
let seal = rate(batch: 1_000) { sink &+= cipher.seal(value, path: "crm/token", version: 7).count }
let rawSeal = try rate(batch: 1_000) { sink &+= try AESGCM.seal(rawBytes, key: rawKey).ciphertext.count }
let sealed = cipher.seal(value, path: "crm/token", version: 7)
let rawBox = try AESGCM.seal(rawBytes, key: rawKey)
let opens = try rate(batch: 1_000) { sink &+= try cipher.open(sealed, path: "crm/token", version: 7).isEmpty ? 1 : 0 }
let rawOpen = try rate(batch: 1_000) { sink &+= try AESGCM.open(rawBox, key: rawKey).count }

var round = 0
let put = try await asyncRate {
    round += 1
    try await vault.put("bench/put", Secret("value-\(round)"), by: VaultActor(name: "bench", source: .cli))
}
let fsyncFile = open(base + "/fsync.bin", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
let block = [UInt8](repeating: 1, count: 4096)
let fsyncRate = try rate(seconds: 2.0, batch: 1) {
    guard write(fsyncFile, block, block.count) == block.count, fsync(fsyncFile) == 0 else {
        throw CryptoError.internalFailure
    }
}
close(fsyncFile)
let reload = try await asyncRate { try await vault.reload() }

print("| vault operation | per second | reference (same run) | per second | ratio |")
print("|---|---|---|---|---|")
print(
    """
    | cached secret read (`Vault.secret(for:)`) | \(format(cachedRead)) | `env:` source (dictionary lookup + copy) \
    | \(format(dictionaryRead)) | \(format(cachedRead / dictionaryRead)) |
    """
)
print(
    """
    | seal 64 B (`EnvelopeCipher`) | \(format(seal)) | bare AES-256-GCM seal 64 B | \(format(rawSeal)) | \
    \(format(seal / rawSeal)) |
    """
)
print(
    """
    | open 64 B (`EnvelopeCipher`) | \(format(opens)) | bare AES-256-GCM open 64 B | \(format(rawOpen)) | \
    \(format(opens / rawOpen)) |
    """
)
print(
    """
    | durable put (SQLite WAL, synchronous=FULL) | \(format(put)) | write+fsync 4 KiB, same directory | \
    \(format(fsyncRate)) | \(format(put / fsyncRate)) |
    """
)
print("| full cache reload, 101 secrets | \(format(reload)) | — | — | — |")
print("")
for row in try TreeBenchmarks.table() { print(row) }
if sink == -1 { print("") }  // keeps the measured work from being optimised away
_ = system("rm -rf '\(base)'")
