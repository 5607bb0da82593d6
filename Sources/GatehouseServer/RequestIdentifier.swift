import Synchronization

/// Request ids: a caller's `X-Request-Id` is kept when well-formed, otherwise a new one is made.
enum RequestIdentifier {
    /// 1–64 characters of `A-Z a-z 0-9 - _ . :`.
    static func isWellFormed(_ id: String) -> Bool {
        let utf8 = id.utf8
        return !utf8.isEmpty && utf8.count <= 64
            && utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
            }
    }

    /// 16 lowercase hex digits (not a secret: uniqueness is all that matters): a counter from a
    /// random start, through a bijective mix (splitmix64's finaliser), so ids never repeat in a
    /// process and do not look sequential, without a `getrandom` call per request.
    static func make() -> String {
        var value = Self.next.wrappingAdd(1, ordering: .relaxed).newValue
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        value ^= value >> 31
        return String(unsafeUninitializedCapacity: 16) { buffer in
            let digits: StaticString = "0123456789abcdef"
            for index in 0..<16 {
                buffer[index] = digits.utf8Start[Int((value >> UInt64(60 - 4 * index)) & 0xF)]
            }
            return 16
        }
    }

    /// The last counter value handed out; starts at a random point per process.
    private static let next = Atomic<UInt64>(UInt64.random(in: .min ... .max))
}
