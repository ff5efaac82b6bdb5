import Foundation
import Testing

/// The labeler in a real browser against the real server and a real SQLite file:
/// `normlab features import` → `normlab serve` → headless chromium clicking and typing → the
/// database checked directly. Screenshots land in .build/test-artifacts/WebLabeler/ (path printed).
@Suite(
    .serialized, // one chromium at a time: the machines have two cores
    .enabled(if: Chromium.isInstalled, "\(Chromium.executable) is missing: install Debian's chromium (bash .ci/setup) to run the browser tests"),
    .timeLimit(.minutes(2))
)
struct WebLabelerBrowserTests {
    static let annotator = "browser-test"

    @Test func labelingWithMouseAndKeyboardReachesTheDatabase() async throws {
        let fixture = FeatureFixture(run: "sd15", count: 4, height: 32, width: 32,
                                     patches: [(0, 10, 6), (2, 20, 14)])
        try await withLabeler(fixtures: [fixture], sourceImages: true) { session in
            let page = session.page, db = session.database
            try await page.waitUntil("document.getElementById('run-picker').value === 'sd15'")
            try await session.enterAnnotator()
            let map = try await NormMap(page: page, width: 32, height: 32)

            // Hover read-out over the planted patch: coordinates, norm ratio far above 1, target.
            try await page.moveMouse(to: map.center(11, 7))
            try await page.waitUntil("text('ro-xy') === '11, 7'")
            #expect(try await page.string("text('ro-target')") == "add patch (10, 6)")
            let ratio = Double(try await page.string("text('ro-ratio')").dropLast()) ?? 0
            #expect(ratio > 5, "norm ÷ mean over a planted patch should stand out, got \(ratio)")

            // The source image (512² for 32² tokens) is shown, with the crosshair at the same token:
            // the overlay has ink on the crosshair's column and none off both of its lines.
            #expect(try await page.evaluate("document.getElementById('source-img').naturalWidth") as? Int == 512)
            #expect(try await session.sourceOverlayAlpha(cellX: 11.5, cellY: 2) > 0)
            #expect(try await session.sourceOverlayAlpha(cellX: 5.2, cellY: 2) == 0)

            // Click on the odd token (11, 7): the patch snaps to (10, 6). Shift-click: a point.
            try await page.click(at: map.center(11, 7))
            try await session.waitForAnnotationCount(1)
            try await page.click(at: map.center(3, 5), modifiers: Modifier.shift)
            try await session.waitForAnnotationCount(2)
            try await page.moveMouse(to: map.center(20, 15))
            try await session.screenshot(page, "labeler-32x32")

            // Keyboard: → to image 1, R = reviewed (and on to 2), right-click = next (3).
            try await page.press(.arrowRight)
            try await session.waitForImage(1)
            try await page.press(.letter("r"))
            try await session.waitForImage(2)
            try await page.click(at: map.center(5, 5), button: "right")
            try await session.waitForImage(3)
            #expect(try db.reviewedImages(run: "sd15") == [1])

            // Undo walks back across images: the review of 1, then the point on 0.
            try await page.press(.letter("z"), modifiers: Modifier.ctrl)
            try await session.waitForImage(1)
            try await page.waitUntil("text('image-state') === 'not looked at yet'")
            #expect(try db.reviewedImages(run: "sd15").isEmpty)
            try await page.press(.letter("z"), modifiers: Modifier.ctrl)
            try await session.waitForImage(0)
            try await session.waitForAnnotationCount(1)
            #expect(try db.annotations(run: "sd15").map(\.kind) == ["patch2x2"])

            // Redo both: Ctrl+Shift+Z and Ctrl+Y.
            try await page.press(.letter("z", shifted: true), modifiers: Modifier.ctrl | Modifier.shift)
            try await session.waitForAnnotationCount(2)
            try await page.press(.letter("y"), modifiers: Modifier.ctrl)
            try await session.waitForImage(1)
            try await page.waitUntil("text('image-state') === 'reviewed — no anomaly'")

            // N = next not looked at: from 1, image 2 (0 has annotations, 1 is reviewed).
            try await page.press(.letter("n"))
            try await session.waitForImage(2)

            #expect(try db.annotations(run: "sd15") == [
                .init(image: 0, x: 10, y: 6, kind: "patch2x2", annotator: Self.annotator),
                .init(image: 0, x: 3, y: 5, kind: "point", annotator: Self.annotator),
            ])
            #expect(try db.reviewedImages(run: "sd15") == [1])
            #expect(try await page.string("text('progress-text')").hasPrefix("2 / 4 labeled"))
            // Every step, undo included, is in the history under the annotator's name.
            let history = try db.history(run: "sd15")
            #expect(history.map { $0[0] } == ["add", "add", "reviewed", "unreviewed", "remove", "add", "reviewed"])
            #expect(history.allSatisfy { $0[1] == Self.annotator }, "\(history)")

            // Help overlay lists the shortcuts; Esc closes it.
            try await page.press(.questionMark, modifiers: Modifier.shift)
            try await page.waitUntil("!document.getElementById('help').hidden")
            #expect(try await page.string("text('help-table')").contains("Ctrl+Shift+Z"))
            try await session.screenshot(page, "help-overlay")
            try await page.press(.escape)
            try await page.waitUntil("document.getElementById('help').hidden")

            // A reload keeps the position (URL hash) and the name (localStorage); labels come back
            // from the server. The marker tells the reloaded document from the old one.
            _ = try await page.evaluate("window.beforeReload = true")
            try await page.reload()
            try await page.waitUntil("!window.beforeReload && document.body.dataset.ready === '1'")
            try await session.waitForImage(2)
            #expect(try await page.string("document.getElementById('annotator').value") == Self.annotator)
            try await page.press(.home)
            try await session.waitForImage(0)
            try await session.waitForAnnotationCount(2)

            // A failing API call is shown, not swallowed: stop the server and click.
            session.server.stop()
            try await page.click(at: map.center(20, 20))
            try await page.waitUntil("!document.getElementById('error').hidden")
            #expect(try await page.string("text('error-text')").contains("POST /api/runs/sd15/images/0/annotations"))
            try await session.screenshot(page, "error-banner")
        }
    }

    /// `serve --token`: the page passes `?token=` on as a bearer token; without it, the server's
    /// 401 message is on screen rather than an empty page.
    @Test func tokenFromThePageURLIsSentAndAMissingOneIsExplained() async throws {
        let fixture = FeatureFixture(run: "guarded", count: 2, height: 32, width: 32, patches: [(1, 4, 4)])
        try await withLabeler(fixtures: [fixture], token: "s3cret") { session in
            let page = session.page
            try await session.enterAnnotator()
            let map = try await NormMap(page: page, width: 32, height: 32)
            try await page.click(at: map.center(4, 4))
            try await session.waitForAnnotationCount(1)
            // Keyboard cursor: D D moves two patches right of the pointer's cell, Space toggles.
            try await page.press(.letter("d"))
            try await page.press(.letter("d"))
            try await page.waitUntil("text('ro-target') === 'add patch (8, 4)'")
            try await page.press(.space)
            try await session.waitForAnnotationCount(2)
            // Two clicks on one patch without waiting in between: an add and a remove, not two adds.
            try await page.click(at: map.center(12, 12))
            try await page.click(at: map.center(13, 13))
            try await page.waitUntil("document.body.dataset.pending === '0'")
            try await session.waitForAnnotationCount(2)
            #expect(try session.database.annotations(run: "guarded").map { [$0.x, $0.y] }.sorted { $0[0] < $1[0] }
                    == [[4, 4], [8, 4]])

            try await page.navigate("\(session.server.baseURL)/#run=guarded&i=0") // no ?token=
            try await page.waitUntil("!document.getElementById('error').hidden")
            let message = try await page.string("text('error-text')")
            #expect(message.contains("GET /api/runs failed (401"), "\(message)")
            #expect(message.contains("token"), "\(message)")
            #expect(try await page.string("text('empty')").contains("/?token="))
            try await session.screenshot(page, "error-401")
        }
    }

    @Test func everyGridSizeLinesUpAndSnaps() async throws {
        let fixtures = [
            FeatureFixture(run: "sd21", count: 2, height: 48, width: 48, patches: [(0, 30, 12)]),
            FeatureFixture(run: "convin", count: 1, height: 64, width: 64, patches: [(0, 40, 40)]),
            FeatureFixture(run: "vga", count: 2, height: 30, width: 40, patches: [(0, 38, 28)]),
        ]
        try await withLabeler(fixtures: fixtures) { session in
            let page = session.page
            try await session.enterAnnotator()
            for f in fixtures {
                try await page.navigate("\(session.server.baseURL)/#run=\(f.run)&i=0")
                // The picker changes inside the (counted) run switch, so with nothing pending the
                // new run's first image is fully on screen.
                try await page.waitUntil("document.getElementById('run-picker').value === '\(f.run)'"
                    + " && document.body.dataset.pending === '0' && text('image-title') === '0'")
                let map = try await NormMap(page: page, width: f.width, height: f.height)
                #expect(map.cell >= 4, "\(f.run): a token should be several screen pixels, is \(map.cell)")
                // The bottom-right token snaps to the last whole patch, also on the 40×30 grid.
                try await page.click(at: map.center(f.width - 1, f.height - 1))
                try await session.waitForAnnotationCount(1)
                let p = f.patches[0]
                try await page.moveMouse(to: map.center(p.x, p.y))
                try await page.waitUntil("text('ro-xy') === '\(p.x), \(p.y)'")
                try await session.screenshot(page, "labeler-\(f.width)x\(f.height)")
                #expect(try session.database.annotations(run: f.run) == [
                    .init(image: 0, x: f.width - 2, y: f.height - 2, kind: "patch2x2", annotator: Self.annotator),
                ])
            }
            // C switches the colour map: the server renders viridis and nothing complains.
            let before = try await page.string("document.getElementById('norm-img').src")
            try await page.press(.letter("c"))
            try await page.waitUntil(
                "document.getElementById('norm-img').src !== '\(before)' && document.body.dataset.pending === '0'")
            #expect(try await page.evaluate("document.getElementById('error').hidden") as? Bool == true)
            #expect(try await page.string("document.getElementById('colormap').value") == "viridis")
            try await session.screenshot(page, "labeler-viridis")
        }
    }
}
