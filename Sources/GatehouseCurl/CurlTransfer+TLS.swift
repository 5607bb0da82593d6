internal import CGatehouseCurl
import GatehouseCore

/// Every TLS and proxy option of a transfer, in one place: verification, trusted CAs
/// (`ca_file` / `ca_mode`), the lowest TLS version, the client certificate, the forward proxy
/// and its login. Each call sets all of them, so the result is the same on a freshly reset easy
/// handle and on one reused as it is.
extension CurlTransfer {
    /// Applies `options` to `easy`; `trust` is the system's CA locations. Part of the
    /// connection-level options a pooled handle keeps (the pool key includes the identity, so a
    /// handle holding a client certificate or proxy login only serves requests with the same).
    static func applyTLSAndProxy(_ options: TransportOptions, trust: SystemTrust, to easy: UnsafeMutableRawPointer) {
        let trusted = Self.trustedCAs(options, trust: trust)
        let version = options.tlsMinimumVersion == .v1_3 ? CURL_SSLVERSION_TLSv1_3 : CURL_SSLVERSION_TLSv1_2
        gh_easy_setopt_long(easy, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))

        // The upstream.
        gh_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1)
        gh_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2)
        gh_easy_setopt_string(easy, CURLOPT_CAINFO, trusted.bundle)
        gh_easy_setopt_string(easy, CURLOPT_CAPATH, trusted.directory)
        gh_easy_setopt_long(easy, CURLOPT_SSLVERSION, Int(version))
        let certificate = options.identity?.clientCertificate
        Self.setBlob(easy, CURLOPT_SSLCERT_BLOB, certificate?.certificate)
        Self.setBlob(easy, CURLOPT_SSLKEY_BLOB, certificate?.key)
        gh_easy_setopt_string(easy, CURLOPT_SSLCERTTYPE, "PEM")
        gh_easy_setopt_string(easy, CURLOPT_SSLKEYTYPE, "PEM")

        // The proxy. An explicit empty proxy disables http_proxy & co. from the environment.
        gh_easy_setopt_string(easy, CURLOPT_PROXY, options.proxy ?? "")
        gh_easy_setopt_long(easy, CURLOPT_PROXY_SSL_VERIFYPEER, 1)
        gh_easy_setopt_long(easy, CURLOPT_PROXY_SSL_VERIFYHOST, 2)
        gh_easy_setopt_string(easy, CURLOPT_PROXY_CAINFO, trusted.bundle)
        gh_easy_setopt_string(easy, CURLOPT_PROXY_CAPATH, trusted.directory)
        gh_easy_setopt_long(easy, CURLOPT_PROXY_SSLVERSION, Int(version))
        let login = options.identity?.proxyLogin
        Self.setString(easy, CURLOPT_PROXYUSERNAME, login?.username)
        Self.setString(easy, CURLOPT_PROXYPASSWORD, login?.password)
        // Basic only: the login goes to the proxy as given, inside TLS to an https:// proxy.
        gh_easy_setopt_long(easy, CURLOPT_PROXYAUTH, GH_AUTH_BASIC)
    }

    /// The CA bundle and directory a transfer trusts: libcurl's defaults without `ca_file`; the
    /// file plus the system directory in `add` mode; the file alone in `replace` mode.
    static func trustedCAs(_ options: TransportOptions, trust: SystemTrust) -> SystemTrust {
        guard let file = options.caFile else { return trust }
        switch options.caMode {
        case .add: return SystemTrust(bundle: file, directory: trust.directory)
        case .replace: return SystemTrust(bundle: file, directory: nil)
        }
    }

    /// Hands a PEM document to curl in memory (curl copies it); `nil` clears the option.
    private static func setBlob(_ easy: UnsafeMutableRawPointer, _ option: CURLoption, _ secret: Secret?) {
        guard let secret else {
            gh_easy_setopt_blob(easy, option, nil, 0)
            return
        }
        secret.withBytes { bytes in
            _ = bytes.withUnsafeBytes { gh_easy_setopt_blob(easy, option, $0.baseAddress, $0.count) }
        }
    }

    /// Hands a secret to curl as a C string (curl copies it), wiping the temporary copy.
    private static func setString(_ easy: UnsafeMutableRawPointer, _ option: CURLoption, _ secret: Secret?) {
        guard let secret else {
            gh_easy_setopt_string(easy, option, nil)
            return
        }
        var text = secret.withBytes { $0.map { CChar(bitPattern: $0) } } + [0]
        text.withUnsafeBufferPointer { _ = gh_easy_setopt_string(easy, option, $0.baseAddress) }
        for index in text.indices { text[index] = 0 }
    }

    /// The bounded TLS failure behind `code`, or `nil` when it is not a TLS failure.
    func tlsError(for code: CURLcode) -> TransportError? {
        switch code {
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS:
            var result = 0
            gh_easy_getinfo_long(self.easy, CURLINFO_SSL_VERIFYRESULT, &result)
            return TransportError(.tlsVerification, Self.verificationReason(result))
        case CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CLIENTCERT:
            return TransportError(.tlsHandshake, String(cString: curl_easy_strerror(code)))
        case CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CRL_BADFILE,
            CURLE_SSL_ENGINE_NOTFOUND,
            CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED:
            return TransportError(.tlsConfiguration, String(cString: curl_easy_strerror(code)))
        default:
            return nil
        }
    }

    /// OpenSSL's verification result (`X509_V_ERR_*`) as a short, fixed sentence.
    static func verificationReason(_ result: Int) -> String {
        switch result {
        // The chain verified in the handshake (0), or curl's own host-name check after it failed
        // before a result was recorded (1, curl's "not OK yet" start value).
        case 0, 1: "the certificate does not name the upstream's host"
        case 9: "the certificate is not yet valid"
        case 10: "the certificate has expired"
        case 18: "the certificate is self-signed"
        case 19: "a self-signed certificate is in the chain"
        case 2, 20: "the certificate's issuer is not trusted"
        case 21: "the certificate chain cannot be verified"
        case 62: "the certificate does not name the upstream's host"
        default: "the certificate was refused (verification result \(result))"
        }
    }
}
