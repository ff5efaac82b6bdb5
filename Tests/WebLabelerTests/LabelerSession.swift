import Foundation
import Testing

/// Everything one browser test needs, set up from scratch and torn down afterwards:
/// a database with imported runs, `normlab serve`, chromium and a tab on the labeler.
struct LabelerSession {
    let server: LabelServer
    let page: BrowserPage
    let database: LabelDatabase

    /// Screenshots are kept (unlike the rest of the temporary folder) so a human can look at them.
    static let artifacts = Normlab.packageRoot.appendingPathComponent(".build/test-artifacts/WebLabeler")

    func enterAnnotator() async throws {
        try await page.click(at: try await page.rect(of: "#annotator").center)
        try await page.send("Input.insertText", ["text": WebLabelerBrowserTests.annotator])
        try await page.press(.enter) // leaves the field, so the next keys are shortcuts again
        try await page.waitUntil("document.activeElement === document.body")
    }

    /// Waits until the current image lists `count` annotations and no request is in flight, which
    /// means the server acknowledged them: the UI only changes after a successful response.
    func waitForAnnotationCount(_ count: Int) async throws {
        try await page.waitUntil("text('ann-count') === '\(count)' && document.body.dataset.pending === '0'")
    }

    func waitForImage(_ index: Int) async throws {
        try await page.waitUntil("text('image-title') === '\(index)' && document.body.dataset.pending === '0'")
    }

    /// Alpha of the source panel's overlay canvas at a position given in token units.
    func sourceOverlayAlpha(cellX: Double, cellY: Double) async throws -> Int {
        let js = """
            (() => { const c = document.getElementById('source-overlay');
              const s = c.width / Number(c.dataset.gridWidth);
              return c.getContext('2d').getImageData(Math.floor(\(cellX) * s), Math.floor(\(cellY) * s), 1, 1).data[3]; })()
            """
        return try await page.evaluate(js) as? Int ?? -1
    }

    func screenshot(_ page: BrowserPage, _ name: String) async throws {
        let url = try await page.screenshot(to: Self.artifacts.appendingPathComponent("\(name).png"))
        print("WebLabeler screenshot: \(url.path)")
    }
}

/// Imports `fixtures`, serves them, opens the labeler on the first run and runs `body`; always
/// cleans up, and fails the test on any uncaught JavaScript exception in the page.
func withLabeler(
    fixtures: [FeatureFixture], sourceImages: Bool = false, token: String? = nil,
    _ body: (LabelerSession) async throws -> Void
) async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("normlab-web-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let database = folder.appendingPathComponent("labels.sqlite")
    for f in fixtures { try f.importInto(database: database, folder: folder, sourceImages: sourceImages) }

    let server = try await LabelServer(database: database, token: token)
    defer { server.stop() }
    let chromium = try await Chromium()
    do {
        let query = token.map { "?token=\($0)" } ?? ""
        let page = try await chromium.openPage("\(server.baseURL)/\(query)#run=\(fixtures[0].run)&i=0")
        try await page.waitUntil("document.body.dataset.ready === '1'", timeout: .seconds(20))
        try await body(LabelerSession(server: server, page: page, database: try LabelDatabase(database)))
        #expect(chromium.devtools.exceptions.isEmpty, "JavaScript exceptions: \(chromium.devtools.exceptions)")
    } catch {
        // Say what the page showed: a timeout alone does not tell why the UI never got there.
        let banner = try? await chromium.lastPage?.evaluate(
            "document.getElementById('error').hidden ? '' : text('error-text')")
        await chromium.close()
        throw CDPError("\(error)\npage error banner: \(banner ?? "–")\nJS exceptions: \(chromium.devtools.exceptions)")
    }
    await chromium.close()
}

/// Screen geometry of the norm map: where token (x, y) is on screen, in CSS pixels.
struct NormMap {
    let rect: CGRect
    let cell: Double

    init(page: BrowserPage, width: Int, height: Int) async throws {
        rect = try await page.rect(of: "#norm-overlay")
        cell = rect.width / Double(width)
        // Pixelated rendering only looks right with a whole number of screen pixels per token.
        #expect(cell == cell.rounded() && rect.height == cell * Double(height),
                "norm map \(rect.size) is not a whole-pixel \(width)×\(height) grid")
    }

    func center(_ x: Int, _ y: Int) -> CGPoint {
        CGPoint(x: rect.minX + (Double(x) + 0.5) * cell, y: rect.minY + (Double(y) + 0.5) * cell)
    }
}

extension CGRect {
    var center: CGPoint { CGPoint(x: midX, y: midY) }
}
