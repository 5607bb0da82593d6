import GatehouseCore
import Logging
import PostgresNIO
import Synchronization

/// The shared vault store for several gateway instances: the same tables as the SQLite store
/// (keyring, secrets, versions, audit) in one PostgreSQL database, migrated at start-up. Every
/// change bumps `vault_state.generation` and sends `NOTIFY gatehouse_vault` in its transaction,
/// so the other instances reload as soon as it commits; ``waitForChange(timeout:)`` wakes on it.
///
/// Every call gives up after `operationTimeout` with ``VaultError/storeUnreachable(_:)``, so an
/// outage fails writes quickly instead of queueing them; reads are served by the vault's cache.
///
/// ```swift
/// let store = try await PostgresCredentialStore.connect(url: try PostgresURL(text), logger: logger)
/// let vault = try await Vault.open(store: store, masterKey: key)
/// ```
public final class PostgresCredentialStore: CredentialStore {
    /// Connection settings beyond the URL.
    public struct Configuration: Sendable {
        /// Largest number of pooled connections (the listener has one more).
        public var maximumConnections = 8
        /// How long one store call may take once connected (a write in an outage fails after it).
        public var operationTimeout: Duration = .seconds(10)
        /// How long connecting and migrating at start-up may take (SCRAM authentication and the
        /// migrations of a first start are slow on a loaded machine).
        public var startupTimeout: Duration = .seconds(60)

        /// Default settings.
        public init() {}
    }

    /// The schema version this build writes.
    public static let schemaVersion = PostgresSchema.migrations.count

    public let location: String
    let client: PostgresClient
    let logger: Logger
    let configuration: Configuration
    private let changes = ChangeSignal()
    private let tasks: Mutex<[Task<Void, Never>]> = Mutex([])

    private init(url: PostgresURL, configuration: Configuration, logger: Logger) throws(VaultError) {
        self.location = url.redacted
        self.logger = logger
        self.configuration = configuration
        var settings = PostgresClient.Configuration(
            host: url.host,
            port: url.port,
            username: url.username,
            password: url.password,
            database: url.database,
            tls: try Self.tls(url)
        )
        settings.options.maximumConnections = max(1, configuration.maximumConnections)
        // One connection kept warm: a write then never waits for a fresh authentication.
        settings.options.minimumConnections = 1
        settings.options.connectTimeout = url.connectTimeout ?? configuration.startupTimeout
        // The pool reports every failed connection attempt at info; an outage is reported once,
        // by the vault watcher, instead.
        var background = logger
        background.logLevel = max(logger.logLevel, .error)
        self.client = PostgresClient(configuration: settings, backgroundLogger: background)
    }

    private static func tls(_ url: PostgresURL) throws(VaultError) -> PostgresClient.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let file = url.rootCertificateFile { tls.trustRoots = .file(file) }
        switch url.sslMode {
        case .disable:
            return .disable
        case .allow, .prefer:
            tls.certificateVerification = .none
            return .prefer(tls)
        case .require:
            // libpq checks the chain under `require` only when a root certificate is given.
            tls.certificateVerification = url.rootCertificateFile == nil ? .none : .noHostnameVerification
            return .require(tls)
        case .verifyCA:
            tls.certificateVerification = .noHostnameVerification
            return .require(tls)
        case .verifyFull:
            tls.certificateVerification = .fullVerification
            return .require(tls)
        }
    }

    /// Connects to `url`, runs the migrations, and starts listening for other instances' changes.
    /// Throws ``VaultError/storeUnreachable(_:)`` when the database cannot be reached.
    public static func connect(
        url: PostgresURL,
        configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "gatehouse.vault.postgres")
    ) async throws -> PostgresCredentialStore {
        let store = try PostgresCredentialStore(url: url, configuration: configuration, logger: logger)
        let client = store.client
        store.tasks.withLock { $0.append(Task { await client.run() }) }
        do {
            try await store.run("migrating", timeout: configuration.startupTimeout) { client in
                try await PostgresSchema.migrate(client, logger: logger)
            }
        } catch {
            store.close()
            throw error
        }
        let listener = PostgresChangeListener(
            client: client, channel: PostgresSchema.channel, signal: store.changes, logger: logger)
        store.tasks.withLock { $0.append(Task { await listener.run() }) }
        return store
    }

    /// Stops the listener and closes every connection; the store cannot be used afterwards.
    public func close() {
        for task in self.tasks.withLock({ $0 }) { task.cancel() }
    }

    deinit { self.close() }

    /// Runs `body` against the pool within the operation timeout, turning PostgreSQL's errors
    /// into ``VaultError`` (their text never carries a query's bound values). At the timeout the
    /// caller gets ``VaultError/storeUnreachable(_:)`` at once; the abandoned call's late result
    /// is dropped.
    func run<T: Sendable>(
        _ what: String, timeout: Duration? = nil, _ body: @escaping @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = self.client
        let location = self.location
        let timeout = timeout ?? self.configuration.operationTimeout
        do {
            // Not a task group: it would wait for a call that ignores cancellation (a connection
            // lease while the pool cannot connect), so the timeout returns without it.
            return try await AbandoningTimeout.run(
                timeout,
                onTimeout: { VaultError.storeUnreachable("\(location) did not answer within \(timeout) (\(what))") }
            ) { try await body(client) }
        } catch let error as PostgresTransactionError {
            // A transaction's own error (lease lost, already initialized) or the database's.
            let cause = error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError
            if let vault = cause as? VaultError { throw vault }
            if let psql = cause as? PSQLError { throw Self.vaultError(psql, location: location, what: what) }
            throw VaultError.storeFailure("\(location): \(what) failed")
        } catch let error as VaultError {
            throw error
        } catch let error as PSQLError {
            throw Self.vaultError(error, location: location, what: what)
        } catch is CancellationError {
            throw VaultError.storeUnreachable("\(location): cancelled (\(what))")
        } catch {
            throw VaultError.storeFailure("\(location): \(what) failed")
        }
    }

    private static func vaultError(_ error: PSQLError, location: String, what: String) -> VaultError {
        if error.code == .server {
            let state = error.serverInfo?[.sqlState] ?? "?"
            let message = error.serverInfo?[.message] ?? "server error"
            // Class 08 (connection), 57P (shutdown, e.g. the server is stopping) and 53 (resources).
            if state.hasPrefix("08") || state.hasPrefix("57P") || state.hasPrefix("53") {
                return .storeUnreachable("\(location): \(message) (\(what))")
            }
            return .storeFailure("\(location): \(message) [\(state)] (\(what))")
        }
        return .storeUnreachable("\(location): \(error.code) (\(what))")
    }

    /// Bumps the change generation and announces it; called inside every changing transaction.
    static func announce(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("UPDATE vault_state SET generation = generation + 1 WHERE id = 1", logger: logger)
        try await connection.query("SELECT pg_notify(\(PostgresSchema.channel), '')", logger: logger)
    }

    // MARK: Change detection

    public func changeToken() async throws -> Int64 {
        let logger = self.logger
        return try await self.run("checking for changes") { client in
            for try await generation in try await client.query(
                "SELECT generation FROM vault_state WHERE id = 1", logger: logger
            )
            .decode(Int64.self) {
                return generation
            }
            throw VaultError.storeFailure("vault_state is empty")
        }
    }

    public func waitForChange(timeout: Duration) async {
        _ = await self.changes.wait(timeout: timeout)
    }
}
