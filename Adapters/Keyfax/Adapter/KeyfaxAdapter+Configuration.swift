import GatehouseCore

extension KeyfaxAdapter {
    /// The connection's `options` (Adapters/Keyfax/README.md documents each).
    public struct Configuration: Sendable {
        /// How Gatehouse authenticates its own calls.
        public enum Auth: String, Sendable { case basic, bearer }
        /// What the upstream is sent start-up data as.
        public enum Format: String, Sendable { case json, xml }

        /// The host name Keyfax knows this integration by (kfServerConfig's KeyGen hostName).
        public var hostName: String
        public var auth = Auth.basic
        public var format = Format.json
        /// The signing recipe's knobs (Adapters/Keyfax/README.md, "Signing choices").
        public var signing = KeyfaxSigner.Configuration()
        /// How `format: xml` start-up data is posted (`startup_xml`).
        public enum StartupXML: String, Sendable, CaseIterable {
            /// `{"startUpXml": "<KeyfaxData>...</KeyfaxData>"}`, seed 001's body field (the default).
            case field
            /// The document itself with `Content-Type: application/xml` (seed 000: "JSON or XML").
            case body
        }

        public var startupXML = StartupXML.field
        /// `startup_xml_root`: the document element of XML start-up data (default `KeyfaxData`).
        public var startupXMLRoot = "KeyfaxData"
        /// `results_xml_root`: the document element of an XML results request (default `ResultsRequest`).
        public var resultsXMLRoot = "ResultsRequest"
        /// Renew a JWT this long before it expires.
        public var renewMarginSeconds: Int64 = 3600

        /// Reads and validates `options`.
        public init(options: inout ConfigMap) throws(ConfigError) {
            let hostNode = try options.required("host_name")
            self.hostName = try hostNode.scalar(expecting: "the Keyfax host name")
            guard !self.hostName.isEmpty, !self.hostName.contains(":"), self.hostName.allSatisfy({ !$0.isWhitespace })
            else {
                throw hostNode.error("a host name has no colon or spaces (it is a field of the Basic scheme)")
            }
            if let auth = try options.choice("auth", in: ["basic", "bearer"]) { self.auth = Auth(rawValue: auth)! }
            if let format = try options.choice("format", in: ["json", "xml"]) {
                self.format = Format(rawValue: format)!
            }
            if let identity = try options.choice(
                "identity", in: KeyfaxSigner.Configuration.Identity.allCases.map(\.rawValue))
            {
                self.signing.identity = .init(rawValue: identity)!
            }
            if let hash = try options.choice("hash", in: KeyfaxSigner.Configuration.Hash.allCases.map(\.rawValue)) {
                self.signing.hash = .init(rawValue: hash)!
            }
            if let digest = try options.choice(
                "body_digest", in: KeyfaxSigner.Configuration.BodyDigest.allCases.map(\.rawValue))
            {
                self.signing.bodyDigest = .init(rawValue: digest)!
            }
            if let fieldsNode = options.node("signature_fields") {
                let names = try options.stringList("signature_fields") ?? []
                let fields = names.compactMap(KeyfaxSigner.Configuration.Field.init(rawValue:))
                guard fields.count == names.count, Set(fields).count == KeyfaxSigner.Configuration.Field.allCases.count,
                    fields.count == Set(fields).count
                else {
                    throw fieldsNode.error(
                        """
                        signature_fields lists each of \
                        \(KeyfaxSigner.Configuration.Field.allCases.map(\.rawValue).joined(separator: ", ")) once, \
                        in the order they are joined
                        """
                    )
                }
                self.signing.fields = fields
            }
            if let value = try options.choice(
                "url_case", in: KeyfaxSigner.Configuration.URLCase.allCases.map(\.rawValue))
            {
                self.signing.urlCase = .init(rawValue: value)!
            }
            if let value = try options.choice(
                "url_encoding", in: KeyfaxSigner.Configuration.URLEncoding.allCases.map(\.rawValue))
            {
                self.signing.urlEncoding = .init(rawValue: value)!
            }
            if let value = try options.choice(
                "url_form", in: KeyfaxSigner.Configuration.URLForm.allCases.map(\.rawValue))
            {
                self.signing.urlForm = .init(rawValue: value)!
            }
            if let value = try options.choice(
                "signing_key", in: KeyfaxSigner.Configuration.SigningKey.allCases.map(\.rawValue))
            {
                self.signing.signingKey = .init(rawValue: value)!
            }
            if let value = try options.choice("startup_xml", in: StartupXML.allCases.map(\.rawValue)) {
                self.startupXML = StartupXML(rawValue: value)!
            }
            for (key, path) in [
                ("startup_xml_root", \Configuration.startupXMLRoot),
                ("results_xml_root", \Configuration.resultsXMLRoot),
            ] {
                guard let node = options.node(key) else { continue }
                let name = try node.scalar(expecting: "an XML element name")
                guard Self.isXMLName(name) else { throw node.error("\"\(name)\" is not an XML element name") }
                self[keyPath: path] = name
            }
            if let margin = try options.int("renew_margin_seconds", in: 0...86_000) {
                self.renewMarginSeconds = Int64(margin)
            }
        }

        /// `[A-Za-z_][A-Za-z0-9_.-]*`: an element name Gatehouse may write.
        static func isXMLName(_ name: String) -> Bool {
            guard let first = name.unicodeScalars.first,
                first == "_" || (first.isASCII && first.properties.isAlphabetic)
            else { return false }
            return name.unicodeScalars.allSatisfy {
                $0.isASCII
                    && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0))
            }
        }
    }
}
