/// The lowest TLS version a connection negotiates (`tls_min_version`). Nothing below 1.2 is offered.
public enum TLSVersion: String, Sendable, Hashable, CaseIterable {
    case v1_2 = "1.2"
    case v1_3 = "1.3"
}
