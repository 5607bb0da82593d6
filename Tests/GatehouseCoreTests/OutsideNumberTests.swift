import GatehouseCore
import Testing

/// Numbers from outside (headers, token answers, cursors, config) are range-checked before any
/// arithmetic: the hostile ones are refused, never trapped on.
@Suite struct OutsideNumberTests {
    /// Text, and what ``UnsignedDecimal`` (and so ``ContentLength``) makes of it.
    static let decimals: [(String, Int?)] = [
        ("0", 0), ("1024", 1024), ("000123", 123), ("999999999999999999", 999_999_999_999_999_999),
        ("9223372036854775807", nil),  // Int64.max: 19 digits
        ("9223372036854775808", nil), ("99999999999999999999999", nil),
        ("-1", nil), ("+5", nil), ("1.5", nil), ("1e3", nil), ("0x10", nil), (" 5", nil), ("5 ", nil),
        ("5, 5", nil), ("", nil), ("abc", nil), ("١٢", nil), ("５", nil),
    ]

    @Test(arguments: Self.decimals) func unsignedDecimalsAreOnlyPlainASCIIDigits(text: String, expected: Int?) {
        #expect(UnsignedDecimal.parse(text) == expected, "\(text)")
        #expect(ContentLength.parse(text) == expected, "\(text)")
    }

    @Test func contentLengthOfNoHeaderIsUnknown() {
        #expect(ContentLength.parse(nil) == nil)
        #expect(UnsignedDecimal.parse("12345", maximumDigits: 4) == nil)
        #expect(UnsignedDecimal.parse("1234", maximumDigits: 4) == 1234)
    }

    @Test func timestampArithmeticSaturatesInsteadOfTrapping() {
        let now = Timestamp(seconds: 1_800_000_000)
        #expect(now.adding(seconds: Int64.max) == Timestamp(seconds: .max))
        #expect(now.adding(seconds: -Int64.max) == Timestamp(seconds: 1_800_000_000 - Int64.max))
        #expect(Timestamp(seconds: .min).adding(seconds: -1) == Timestamp(seconds: .min))
        #expect(now.adding(seconds: 60) == Timestamp(seconds: 1_800_000_060))
        #expect(Timestamp(seconds: .max).seconds(since: Timestamp(seconds: .min)) == .max)
        #expect(Timestamp(seconds: .min).seconds(since: Timestamp(seconds: .max)) == .min)
        #expect(now.seconds(since: Timestamp(seconds: 1_799_999_000)) == 1_000)
        // Printing the extremes works too (expiries end up in health reports and logs).
        #expect(!Timestamp(seconds: .max).iso8601.isEmpty)
        #expect(!Timestamp(seconds: .min).iso8601.isEmpty)
        #expect(Timestamp(seconds: -1).iso8601 == "1969-12-31T23:59:59Z")
        #expect(Timestamp(seconds: -86_400).iso8601 == "1969-12-31T00:00:00Z")
    }

    // MARK: Config numbers

    /// Every integer key of the core configuration, with a document that sets it to `VALUE`
    /// on line 3 and the key path the error must name.
    static let configKeys: [(key: String, yaml: String)] = [
        ("server.port", "server:\n  host: 127.0.0.1\n  port: VALUE\n"),
        ("server.max_body_bytes", "server:\n  host: 127.0.0.1\n  max_body_bytes: VALUE\n"),
        ("server.shutdown_grace_seconds", "server:\n  host: 127.0.0.1\n  shutdown_grace_seconds: VALUE\n"),
        ("vault.keep_versions", "vault:\n  path: v.db\n  keep_versions: VALUE\n"),
        (
            "connections.crm.timeout_ms",
            "connections:\n  crm:\n    timeout_ms: VALUE\n    adapter: http\n    base_url: http://x\n"
        ),
        (
            "connections.crm.connect_timeout_ms",
            "connections:\n  crm:\n    connect_timeout_ms: VALUE\n    adapter: http\n    base_url: http://x\n"
        ),
        (
            "connections.crm.max_response_bytes",
            "connections:\n  crm:\n    max_response_bytes: VALUE\n    adapter: http\n    base_url: http://x\n"
        ),
    ]

    /// Hostile values and the words the error must contain.
    static let hostileValues: [(value: String, says: String)] = [
        ("9223372036854775807", "out of range"), ("9223372036854775808", "whole number"), ("-1", "out of range"),
        ("-9223372036854775808", "out of range"), ("1.5", "whole number"), ("abc", "whole number"),
        ("1e9", "whole number"),
    ]

    @Test(arguments: Self.configKeys) func everyIntegerKeyRefusesHostileNumbersWithFileAndLine(
        key: String, yaml: String
    ) {
        for (value, says) in Self.hostileValues {
            let text = yaml.replacingOccurrences(of: "VALUE", with: value)
            do {
                _ = try GatewayConfiguration.load(text: text, file: "gatehouse.yaml", adapterKinds: ["http"])
                Issue.record("\(key): \(value) was accepted")
            } catch {
                #expect(error.description.hasPrefix("gatehouse.yaml:3: \(key): "), "\(key) = \(value): \(error)")
                #expect(error.message.contains(says), "\(key) = \(value): \(error)")
            }
        }
    }
}
