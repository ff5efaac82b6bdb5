import Foundation
import TestSupport
import GRDB
import Testing
@testable import LabelStore

@Suite struct MigrationTests {
    @Test func embeddedMigrationsMatchTheSQLFiles() throws {
        let folder = packageRoot + "/migrations"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files.map { String($0.dropLast(4)) } == LabelStore.knownMigrations,
                "migrations/ and Sources/LabelStore/EmbeddedMigrations.swift differ: run migrations/embed.sh")
        for (file, embedded) in zip(files, embeddedMigrations) {
            let text = try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
            #expect(text.trimmingCharacters(in: .newlines) == embedded.sql.trimmingCharacters(in: .newlines),
                    "\(file) differs from its embedded copy: run migrations/embed.sh")
        }
    }

    @Test func freshDatabaseIsMigratedInWALWithForeignKeys() throws {
        let tmp = try TempFolder()
        let store = try LabelStore(path: tmp.file("db.sqlite"))
        #expect(try store.appliedMigrations() == LabelStore.knownMigrations)
        // On the writer: the connection whose commits must be fsynced (a reader's setting says nothing).
        let pragmas = try store.pool.writeWithoutTransaction { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA foreign_keys"),
             try Int.fetchOne(db, sql: "PRAGMA synchronous"))
        }
        #expect(pragmas.0 == "wal" && pragmas.1 == 1 && pragmas.2 == 2) // 2 = FULL
    }

    @Test func upgradesTheFirstSchemaInPlace() async throws {
        let tmp = try TempFolder()
        let path = tmp.file("old.sqlite")
        do {
            let old = try LabelStore.openForTesting(path: path, upTo: "0001_initial")
            try await old.write { db in
                try db.execute(sql: "INSERT INTO datasets (id, name, created_at) VALUES (1, 'd', 'then')")
                try db.execute(sql: "INSERT INTO images (dataset_id, image_index) VALUES (1, 0), (1, 1)")
                try db.execute(sql: """
                    INSERT INTO runs (id, dataset_id, name, image_count, channels, height, width, feature_path, created_at)
                    VALUES (1, 1, 'old-run', 2, 4, 4, 4, 'x', 'then')
                    """)
                try db.execute(sql: """
                    INSERT INTO annotations (run_id, image_index, x, y, kind, annotator, source, created_at, updated_at)
                    VALUES (1, 1, 2, 0, 'patch2x2', 'ann', 'manual', 'then', 'then')
                    """)
            }
            #expect(try await old.read { try $0.tableExists("reviews") } == false)
            try old.close()
        }
        let store = try LabelStore(path: path)
        #expect(try store.appliedMigrations() == LabelStore.knownMigrations)
        #expect(try store.labelRows(run: "old-run") == [LabelRow(image: 1, x: 2, y: 0)])
        try await store.setReviewed(run: "old-run", image: 0, reviewed: true, by: tester)
        #expect(try store.imageSummaries(run: "old-run", filter: .labeled).map(\.index) == [0, 1])
    }

    /// 0005: runs made before it keep features; the column takes only 'features' or 'norms'.
    @Test func runsFromBeforeTheContentsColumnKeepFeatures() async throws {
        let tmp = try TempFolder()
        let path = tmp.file("old.sqlite")
        do {
            let old = try LabelStore.openForTesting(path: path, upTo: "0004_experiments")
            try await old.write { db in
                try db.execute(sql: "INSERT INTO datasets (id, name, created_at) VALUES (1, 'd', 'then')")
                try db.execute(sql: """
                    INSERT INTO runs (id, dataset_id, name, image_count, channels, height, width, feature_path, created_at)
                    VALUES (1, 1, 'old-run', 0, 4, 4, 4, 'x', 'then')
                    """)
            }
            try old.close()
        }
        let store = try LabelStore(path: path)
        #expect(try store.run(named: "old-run").contents == .features)
        #expect(throws: (any Error).self) {
            try store.pool.write { db in try db.execute(sql: "UPDATE runs SET contents = 'half' WHERE id = 1") }
        }
        try await store.pool.write { db in try db.execute(sql: "UPDATE runs SET contents = 'norms' WHERE id = 1") }
        #expect(try store.run(named: "old-run").contents == .norms)
    }

    @Test func refusesADatabaseFromANewerVersion() async throws {
        let tmp = try TempFolder()
        let path = tmp.file("new.sqlite")
        do {
            let store = try LabelStore(path: path)
            try await store.pool.write { db in
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('0099_from_the_future')")
            }
        }
        #expect {
            try LabelStore(path: path)
        } throws: { error in
            "\(error)".contains("newer normlab") && "\(error)".contains("0099_from_the_future")
        }
    }

    @Test func historyIsAppendOnly() async throws {
        let tmp = try TempFolder()
        let store = try await storeWithRun(tmp)
        try await store.addAnnotation(run: "r", image: 0, x: 2, y: 2, kind: .patch2x2, by: tester)
        await #expect(throws: DatabaseError.self) {
            try await store.pool.write { try $0.execute(sql: "UPDATE annotation_history SET annotator = 'someone else'") }
        }
        await #expect(throws: DatabaseError.self) {
            try await store.pool.write { try $0.execute(sql: "DELETE FROM annotation_history") }
        }
    }
}
