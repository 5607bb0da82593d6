import GatehouseFuzzTargets

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a line to standard error.
func printError(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

#if GATEHOUSE_FUZZ
    // Built by `make fuzz` (-sanitize=fuzzer,address -D GATEHOUSE_FUZZ): libFuzzer provides `main`
    // and calls `LLVMFuzzerTestOneInput` with each input for the target GATEHOUSE_FUZZ_TARGET names.

    /// The chosen target's entry, built once. A global because libFuzzer's C callback carries no context.
    let selectedEntry: @Sendable ([UInt8]) -> String = {
        let name = getenv("GATEHOUSE_FUZZ_TARGET").map { String(cString: $0) } ?? ""
        guard let target = FuzzTargets.named(name) else {
            printError(
                """
                gatehouse-fuzz: set GATEHOUSE_FUZZ_TARGET to one of: \
                \(FuzzTargets.all.map(\.name).joined(separator: " "))
                """
            )
            exit(2)
        }
        return target.entry()
    }()

    /// libFuzzer's per-input callback.
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        _ = selectedEntry(bytes)
        return 0
    }
#else
    /// `gatehouse-fuzz <target> <file>...`: replays inputs (a crasher, a corpus file) through the
    /// target's entry without libFuzzer and prints what the parser made of each;
    /// `gatehouse-fuzz --list` names the targets.
    @main
    struct FuzzRunner {
        static func main() {
            let arguments = Array(CommandLine.arguments.dropFirst())
            if arguments.first == "--list" {
                for target in FuzzTargets.all { print("\(target.name)\t\(target.input)") }
                return
            }
            guard let name = arguments.first, let target = FuzzTargets.named(name), arguments.count > 1 else {
                printError("usage: gatehouse-fuzz <target> <file>... | --list  (make fuzz runs the fuzzers)")
                exit(2)
            }
            let entry = target.entry()
            for path in arguments.dropFirst() {
                guard let bytes = Self.read(path) else {
                    printError("gatehouse-fuzz: cannot read \(path)")
                    exit(1)
                }
                print("\(path): \(entry(bytes))")
            }
        }

        static func read(_ path: String) -> [UInt8]? {
            guard let file = fopen(path, "rb") else { return nil }
            defer { fclose(file) }
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = fread(&chunk, 1, chunk.count, file)
                if count == 0 { break }
                bytes += chunk[..<count]
            }
            return bytes
        }
    }
#endif
