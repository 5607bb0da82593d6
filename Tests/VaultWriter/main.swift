// gatehouse-vault-writer VAULT_PATH MASTER_KEY_BASE64 PATHS
//
// The child process of the vault crash tests: opens the vault through the same code the gateway
// uses and writes new versions of `PATHS` secrets in a loop, forever. After each commit it prints
// `committed PATH GENERATION` (one write(2), so the line exists once the commit does). Every
// fourth round writes all paths in one atomic batch. The test kills it with SIGKILL at random
// moments and checks what survived.
import GatehouseCore
import GatehouseSQLite

#if canImport(Glibc)
    import Glibc
#endif

func emit(_ line: String) {
    let text = line + "\n"
    _ = text.utf8CString.withUnsafeBufferPointer { write(1, $0.baseAddress, text.utf8.count) }
}

let arguments = CommandLine.arguments
guard arguments.count == 4, let count = Int(arguments[3]) else {
    emit("usage: gatehouse-vault-writer VAULT_PATH MASTER_KEY_BASE64 PATHS")
    exit(2)
}
let store = try SQLiteCredentialStore(path: arguments[1], create: false)
let vault = try await Vault.open(store: store, masterKey: try MasterKey(base64: arguments[2]))
let actor = VaultActor(name: "crash-writer", source: .cli)
let paths = (0..<count).map { "crash/secret-\($0)" }

/// Values are `gen-N-` plus padding of varying length, so pages split and merge.
func generation(of path: String) throws -> Int {
    guard let value = try vault.entry(path)?.secret.reveal() else { return 0 }
    return Int(value.split(separator: "-")[1]) ?? 0
}

var round = try paths.map(generation).max() ?? 0
emit("ready \(round)")
while true {
    round += 1
    let values = paths.map { _ in Secret("gen-\(round)-" + String(repeating: "x", count: Int.random(in: 1...3000))) }
    if round % 4 == 0 {
        try await vault.put(zip(paths, values).map { Vault.Item(path: $0, value: $1) }, by: actor)
        for path in paths { emit("committed \(path) \(round)") }
    } else {
        for (path, value) in zip(paths, values) {
            try await vault.put(path, value, by: actor)
            emit("committed \(path) \(round)")
        }
    }
}
