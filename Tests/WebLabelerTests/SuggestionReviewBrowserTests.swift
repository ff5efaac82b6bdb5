import Foundation
import GRDB
import Testing

/// Reviewing detector suggestions in the labeler (README, "Reviewing detections"): create a set from a recorded prototype in
/// the UI, see the boxes, accept by click, reject by key, reload, jump with J, TP/FP/FN marks, undo.
/// An extension of the browser suite, so it shares its one-chromium-at-a-time serialisation.
extension WebLabelerBrowserTests {
    @Test func reviewingSuggestionsAcceptsRejectsAndJumps() async throws {
        // Planted patches are (6, 6, 6, 6); the background's channels are 0.3…0.7, so with the
        // prototype (1, 1, 1, 1) only planted patches have all four tokens above 0.995 (the
        // background's best patch is about 0.992: Tests/WebLabelerTests, checked with NumPy).
        let planted = [(image: 0, x: 10, y: 6), (image: 0, x: 20, y: 20), (image: 2, x: 20, y: 14)]
        let fixture = FeatureFixture(run: "review", count: 4, height: 32, width: 32, patches: planted)
        try await withLabeler(fixtures: [fixture]) { session in
            let page = session.page
            let writer = try DatabaseQueue(path: session.database.queue.path)
            try recordPrototype(writer, run: "review", vector: [1, 1, 1, 1])
            try await session.enterAnnotator()
            try await reloadPage(session) // the new prototype is listed on load

            // Create a set in the UI: prototype (the only one), threshold, patch unit, "detect".
            try await page.click(at: try await page.rect(of: "#sugg-create summary").center)
            _ = try await page.evaluate("document.getElementById('sugg-threshold').value = '0.995'")
            try await page.click(at: try await page.rect(of: "#sugg-create-button").center)
            try await page.waitUntil("text('sugg-count') === '2' && document.body.dataset.pending === '0'")
            let listed = try await page.string("text('suggestion-list')")
            #expect(listed.contains("patch (10, 6)") && listed.contains("patch (20, 20)"), "\(listed)")
            #expect(try await page.string("text('sugg-counts')").hasPrefix("set: \(planted.count) to review"))

            // The first listed suggestion (the one the keys act on) is drawn solid white just outside its cells.
            let map = try await NormMap(page: page, width: 32, height: 32)
            let edge = try await normOverlayPixel(page, x: 11, y: 6 - min(3, map.cell / 4) / map.cell)
            #expect(edge[0] > 200 && edge[1] > 200 && edge[2] > 200 && edge[3] > 200, "suggestion outline pixel \(edge)")
            try await session.screenshot(page, "suggestions")

            // Accept by clicking inside the suggested patch: an annotation, with its source, in the database.
            try await page.moveMouse(to: map.center(11, 7))
            try await page.waitUntil("text('ro-target') === 'accept suggested patch (10, 6)'")
            try await page.click(at: map.center(11, 7))
            try await session.waitForAnnotationCount(1)
            try await page.waitUntil("text('sugg-count') === '1'")
            #expect(try annotations(writer) == ["0,10,6,patch2x2,accepted-suggestion,\(Self.annotator)"])

            // F puts the cursor on the next suggestion; X rejects it: gone from the view, recorded, no annotation.
            try await page.press(.letter("f"))
            try await page.waitUntil("text('ro-target') === 'accept suggested patch (20, 20)'")
            try await page.press(.letter("x"))
            try await page.waitUntil("text('sugg-count') === '0' && document.body.dataset.pending === '0'")
            #expect(try decisions(writer) == ["0,10,6,accepted", "0,20,20,rejected"])
            #expect(try annotations(writer).count == 1)

            // After a reload: the accepted one is an annotation, the rejected one is not suggested again.
            try await reloadPage(session)
            try await session.waitForImage(0)
            try await session.waitForAnnotationCount(1)
            try await page.waitUntil("document.getElementById('sugg-set').value !== '' && text('sugg-count') === '0'")

            // J: the next image with suggestions to review; T: TP/FP/FN marks (the planted patch is an FP).
            try await page.press(.letter("j"))
            try await session.waitForImage(2)
            try await page.waitUntil("text('sugg-count') === '1'")
            try await page.press(.letter("t"))
            try await page.waitUntil("!document.getElementById('sugg-legend').hidden")
            let fp = try await normOverlayPixel(page, x: 20.5, y: 14.5)
            #expect(fp[0] > 200 && fp[2] < 120 && fp[3] > 0, "FP mark pixel \(fp)")
            try await session.screenshot(page, "suggestion-marks")

            // Y accepts the first listed one; the mark turns TP (green). Ctrl+Z takes the accept back.
            try await page.press(.letter("y"))
            try await session.waitForAnnotationCount(1)
            try await page.waitUntil("text('sugg-count') === '0' && document.body.dataset.pending === '0'")
            let tp = try await normOverlayPixel(page, x: 20.5, y: 14.5)
            #expect(tp[1] > tp[0] && tp[1] > tp[2], "TP mark pixel \(tp)")
            try await page.press(.letter("z"), modifiers: Modifier.ctrl)
            try await session.waitForAnnotationCount(0)
            try await page.waitUntil("text('sugg-count') === '1' && document.body.dataset.pending === '0'")
            #expect(try annotations(writer) == ["0,10,6,patch2x2,accepted-suggestion,\(Self.annotator)"])
            #expect(try decisions(writer) == ["0,10,6,accepted", "0,20,20,rejected"])
            let actions = try session.database.history(run: "review").map { $0[0] }
            #expect(actions == ["add", "reject-suggestion", "add", "remove", "undo-accept-suggestion"], "\(actions)")

            // Image 0's marks: the accepted patch is a TP, the rejected one still a detection (FP), and
            // a patch labelled by hand where nothing was detected an FN.
            try await page.press(.home)
            try await session.waitForImage(0)
            try await page.click(at: map.center(3, 3))
            try await session.waitForAnnotationCount(2)
            try await page.moveMouse(to: try await page.rect(of: "#sugg-counts").center) // no hover box over the marks
            try await page.waitUntil("document.body.dataset.pending === '0' && text('ro-xy') === '–'")
            let tp0 = try await normOverlayPixel(page, x: 10.5, y: 6.5)
            let fp0 = try await normOverlayPixel(page, x: 20.5, y: 20.5)
            let fn0 = try await normOverlayPixel(page, x: 2.5, y: 2.5)
            #expect(tp0[1] > tp0[0] && tp0[1] > tp0[2], "TP mark pixel \(tp0)")
            #expect(fp0[0] > 200 && fp0[2] < 120, "FP mark pixel \(fp0)")
            #expect(fn0[2] > fn0[1] && fn0[0] > fn0[1], "FN mark pixel \(fn0)")
            try await session.screenshot(page, "suggestion-marks-image0")

            // The help lists the suggestion keys.
            try await page.press(.questionMark, modifiers: Modifier.shift)
            try await page.waitUntil("!document.getElementById('help').hidden")
            #expect(try await page.string("text('help-table')").contains("next image with suggestions to review"))
            try await page.press(.escape)
        }
    }

    private func reloadPage(_ session: LabelerSession) async throws {
        _ = try await session.page.evaluate("window.beforeReload = true")
        try await session.page.reload()
        try await session.page.waitUntil("!window.beforeReload && document.body.dataset.ready === '1' && document.body.dataset.pending === '0'")
    }

    /// RGBA of the norm overlay at a position in token units.
    private func normOverlayPixel(_ page: BrowserPage, x: Double, y: Double) async throws -> [Int] {
        let js = """
            (() => { const c = document.getElementById('norm-overlay');
              const s = c.width / Number(c.dataset.gridWidth);
              return Array.from(c.getContext('2d').getImageData(Math.floor(\(x) * s), Math.floor(\(y) * s), 1, 1).data); })()
            """
        return try await page.evaluate(js) as? [Int] ?? []
    }

    /// A prototype row written straight into the database, as `normlab prototype` records one.
    func recordPrototype(_ db: DatabaseQueue, run: String, vector: [Float]) throws {
        let blob = vector.withUnsafeBufferPointer { Data(buffer: $0) }
        try db.write { db in
            try db.execute(sql: """
                INSERT INTO prototypes (run_id, tokens, train_fraction, train_images, label_count, labels_sha256, token_count, channels, vector, created_at)
                SELECT id, 'patch', 1.0, image_count, 1, 'test', 4, ?, ?, '2026-01-01T00:00:00.000Z' FROM runs WHERE name = ?
                """, arguments: [vector.count, blob, run])
        }
    }

    private func annotations(_ db: DatabaseQueue) throws -> [String] {
        try db.read { db in
            try String.fetchAll(db, sql: """
                SELECT image_index || ',' || x || ',' || y || ',' || kind || ',' || source || ',' || annotator FROM annotations ORDER BY id
                """)
        }
    }

    private func decisions(_ db: DatabaseQueue) throws -> [String] {
        try db.read { db in
            try String.fetchAll(db, sql: """
                SELECT image_index || ',' || x || ',' || y || ',' || decision FROM suggestion_decisions ORDER BY image_index, y, x
                """)
        }
    }
}
