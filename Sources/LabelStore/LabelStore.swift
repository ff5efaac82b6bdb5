import Foundation
import GRDB

/// The label database: one SQLite file (WAL, foreign keys on, synchronous=FULL) plus a folder of
/// feature files beside it. Safe to share between tasks: GRDB serialises writes and lets reads
/// run concurrently.
public struct LabelStore: Sendable {
    /// Path of the SQLite file.
    public let path: String
    /// The database: a `DatabasePool` on the file, or the writer given to `init(writer:path:)`.
    let pool: any DatabaseWriter
    /// How annotation, review and suggestion writes are committed.
    public let commitMode: CommitMode
    let committer: GroupCommitter

    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    /// A database carrying a migration this version does not know is refused, untouched.
    public init(path: String, commitMode: CommitMode = .grouped) throws {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        try self.init(writer: DatabasePool(path: path, configuration: Self.configuration), path: path, commitMode: commitMode)
    }

    /// A store on `writer` (for example an in-memory `DatabaseQueue(configuration: LabelStore.configuration)`),
    /// migrated on opening; `path` is where the database file would be: feature folders are resolved beside it.
    public init(writer: any DatabaseWriter, path: String, commitMode: CommitMode = .grouped) throws {
        self.path = path
        self.commitMode = commitMode
        pool = writer
        committer = GroupCommitter(writer: writer)
        // FULL: every commit fsyncs the WAL, so an acknowledged write survives a crash of the
        // process and of the machine (NORMAL only the former). Set on the writer after it exists:
        // DatabasePool switches its writer to NORMAL when it enables WAL, after `prepareDatabase`
        // has run (found by the power-loss tests).
        let synchronous = try Self.synchronousMode()
        try writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(synchronous)") }
        try Self.migrate(writer, path: path)
    }

    /// The connection settings every store uses.
    public static var configuration: Configuration {
        var config = Configuration()
        config.foreignKeysEnabled = true
        // Concurrent CLI commands and the server may share the file: wait for locks, do not fail.
        config.busyMode = .timeout(10)
        return config
    }

    /// A small interactive write (one annotation, review or suggestion decision), committed as
    /// `commitMode` says; it returns once the write is durable, and a failing write fails alone.
    func interactiveWrite<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        switch commitMode {
        case .eachWrite: try await pool.write(body)
        case .grouped: try await committer.write(body)
        }
    }

    /// Grouped writes and the commits that held them, since this store was opened.
    public func groupCommitCounts() async -> (writes: Int, commits: Int) {
        await committer.counts
    }

    /// FULL, unless the power-loss tests ask for a weaker mode (`NORMLAB_TEST_SYNCHRONOUS=OFF` or
    /// `NORMAL`) to show that they catch the writes it loses (Tests/LabelServerTests/PowerLossTests.swift).
    static func synchronousMode() throws -> String {
        guard let mode = ProcessInfo.processInfo.environment["NORMLAB_TEST_SYNCHRONOUS"] else { return "FULL" }
        guard ["OFF", "NORMAL", "FULL"].contains(mode) else {
            throw LabelStoreError.badInput("NORMLAB_TEST_SYNCHRONOUS must be OFF, NORMAL or FULL, not '\(mode)'")
        }
        return mode
    }

    /// Applies the embedded migrations (copies of `migrations/*.sql`) in order.
    static func migrate(_ writer: any DatabaseWriter, path: String, upTo last: String? = nil) throws {
        let migrator = makeMigrator()
        let unknown = try writer.read { db in try migrator.appliedIdentifiers(db).subtracting(migrator.migrations) }
        guard unknown.isEmpty else { throw LabelStoreError.newerSchema(path: path, unknown: unknown.sorted()) }
        if let last { try migrator.migrate(writer, upTo: last) } else { try migrator.migrate(writer) }
    }

    static func makeMigrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for (id, sql) in embeddedMigrations {
            migrator.registerMigration(id) { db in try db.execute(sql: sql) }
        }
        return migrator
    }

    /// Identifiers of the migrations recorded in the database, in order.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try Self.makeMigrator().appliedMigrations(db) }
    }

    /// Identifiers of every migration this version knows, in order.
    public static var knownMigrations: [String] { embeddedMigrations.map(\.id) }

    /// The folder that holds the database file.
    public var folder: String {
        let f = (path as NSString).deletingLastPathComponent
        return f.isEmpty ? "." : f
    }

    /// Resolves a path stored relative to the database's folder.
    public func resolve(_ stored: String) -> String {
        stored.hasPrefix("/") ? stored : folder + "/" + stored
    }

    /// `normlab.sqlite` → `normlab.features`: the folder of this database's feature runs.
    var featureFolderName: String { Self.featureFolderName(database: path) }

    static func featureFolderName(database path: String) -> String {
        ((path as NSString).lastPathComponent as NSString).deletingPathExtension + ".features"
    }

    /// The feature folder of the database at `path`, without opening it (shards of a sharded
    /// extraction write beside the runs but never touch the database).
    public static func featureFolder(database path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        return (folder.isEmpty ? "." : folder) + "/" + featureFolderName(database: path)
    }
}

extension LabelStore {
    /// Opens a database migrated only up to `last` (tests of upgrades from older schemas).
    public static func openForTesting(path: String, upTo last: String) throws -> DatabasePool {
        let pool = try DatabasePool(path: path)
        try migrate(pool, path: path, upTo: last)
        return pool
    }

    /// Direct read access for tools and tests that query the schema themselves.
    public var reader: any DatabaseReader { pool }
}

/// Detector resolves a run's labels and prototypes through this protocol, without linking the database.
extension LabelStore: LabelCatalog {}
