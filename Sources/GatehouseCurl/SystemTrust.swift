internal import CGatehouseCurl

/// Where the system's trusted CAs are: libcurl's built-in CA bundle file and CA directory.
///
/// Debian builds libcurl with both (`curl-config --ca` prints the bundle,
/// `/etc/ssl/certs/ca-certificates.crt`, and `--with-ca-path=/etc/ssl/certs` sets the directory).
/// Setting `CURLOPT_CAINFO` replaces only the bundle file: the directory still applies. So a
/// connection's `ca_file` in `ca_mode: add` keeps the directory (the system CAs plus the file),
/// and `ca_mode: replace` clears it (the file alone). Every transfer sets both explicitly.
public struct SystemTrust: Sendable, Hashable {
    /// The CA bundle file libcurl uses by default, if it was built with one.
    public var bundle: String?
    /// The CA directory (hashed names, `openssl rehash`) libcurl uses by default, if any.
    public var directory: String?

    /// Creates a trust location (tests point `directory` at a temporary one).
    public init(bundle: String?, directory: String?) {
        self.bundle = bundle
        self.directory = directory
    }

    /// libcurl's built-in defaults, read once from a fresh handle (`CURLINFO_CAINFO`, `CURLINFO_CAPATH`).
    public static let libcurlDefaults: SystemTrust = {
        _ = CurlLoop.globalInit
        guard let easy = curl_easy_init() else { return SystemTrust(bundle: nil, directory: nil) }
        defer { curl_easy_cleanup(easy) }
        func info(_ key: CURLINFO) -> String? {
            var value: UnsafeMutablePointer<CChar>?
            guard gh_easy_getinfo_string(easy, key, &value) == CURLE_OK, let value else { return nil }
            let text = String(cString: value)
            return text.isEmpty ? nil : text
        }
        return SystemTrust(bundle: info(CURLINFO_CAINFO), directory: info(CURLINFO_CAPATH))
    }()
}
