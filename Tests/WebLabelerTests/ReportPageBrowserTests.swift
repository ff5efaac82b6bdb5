import Foundation
import TestSupport
import LabelStore
import NPYFormat
import Testing

/// The report page (WebLabeler/report.html) in headless chromium against `normlab serve`: a run with
/// labels and a recorded prototype, the link from the labeler, the charts drawn (bars per
/// threshold, marked best F1, heatmap cells, the per-image map) and errors shown as messages.
/// Screenshots land in .build/test-artifacts/WebLabeler/ for a human to look at.
@Suite(
    .serialized,
    .enabled(if: Chromium.isInstalled, "\(Chromium.executable) is missing: install Debian's chromium (bash .ci/setup) to run the browser tests"),
    .timeLimit(.minutes(2))
)
struct ReportPageBrowserTests {
    /// Counts elements matching `selector` inside the shadow root of `#box` (where the page puts each SVG).
    static func count(_ box: String, _ selector: String) -> String {
        "document.getElementById('\(box)').shadowRoot.querySelectorAll('\(selector)').length"
    }

    /// (4, 16, 32, 32) float32: xorshift noise in [-0.35, 0.35], planted 2×2 patches of 6 in every channel.
    static func plantedFeatures(patches: [(image: Int, x: Int, y: Int)], to url: URL) throws {
        let c = 16, plane = 32 * 32
        var seed: UInt64 = 0x2545_F491_4F6C_DD1D
        let noise = (0..<4 * c * plane).map { _ -> Float in
            seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17
            return Float(seed % 1001) / 1000 * 0.7 - 0.35
        }
        var run = PlantedRun(count: 4, channels: c, height: 32, width: 32, values: noise)
        for p in patches { run.plantPatch(image: p.image, x: p.x, y: p.y, 6) }
        try run.write(to: url.path)
    }

    @Test func chartsRenderForARunWithARecordedPrototype() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("normlab-report-web-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("labels.sqlite")
        // 16 channels of zero-mean noise with planted patches (all channels 6) on images 0 and 2; only
        // the first is labelled, so the second is a false positive.
        let features = folder.appendingPathComponent("rep.npy")
        try Self.plantedFeatures(patches: [(0, 10, 6), (2, 20, 14)], to: features)
        try Normlab.run(["features", "import", "--db", database.path, "--dataset", "rep-ds", "--run", "rep", features.path])
        let labels = folder.appendingPathComponent("labels.npy")
        try NPY.write([0, 10, 6] as [Int64], shape: [1, 3], to: labels.path)
        try Normlab.run(["labels", "import", "--db", database.path, "--run", "rep", labels.path])
        // The planted direction (all channels 6) is the prototype; recorded as `normlab prototype` would.
        let store = try LabelStore(path: database.path)
        let id = try await store.recordPrototype(NewPrototype(
            run: "rep", tokens: "patch", trainFraction: 1, trainImages: 4, labels: [(LabelRow(image: 0, x: 10, y: 6), .patch2x2)],
            tokenCount: 4, vector: [Float](repeating: 1, count: 16), filePath: nil))

        let server = try await LabelServer(database: database)
        defer { server.stop() }
        let chromium = try await Chromium()
        do {
            // From the labeler, via its report link.
            let page = try await chromium.openPage("\(server.baseURL)/#run=rep&i=0", width: 1100, height: 2700)
            try await page.waitUntil("document.body.dataset.ready === '1'")
            try await page.click(at: try await page.rect(of: "#report-link").center)
            try await page.waitUntil("location.pathname === '/report.html' && document.body.dataset.ready === '1'")
            #expect(try await page.string("document.getElementById('run-picker').value") == "rep")
            #expect(try await page.evaluate("[...document.getElementById('prototype-picker').options].map(o => o.value)") as? [String] == ["", "\(id)"])

            // Pick the recorded prototype and 12 thresholds: 12 bars per series, one best-F1 mark per curve.
            _ = try await page.evaluate("""
                (() => { const p = document.getElementById('prototype-picker'); p.value = '\(id)';
                  document.getElementById('thresholds').value = '0.5:0.995:12';
                  p.dispatchEvent(new Event('change')); })()
                """)
            try await page.waitUntil("location.hash.includes('prototype=\(id)') && document.body.dataset.ready === '1'")
            try await page.waitUntil("\(Self.count("curve", "rect.bar")) === 36")
            #expect(try await page.evaluate(Self.count("curve", "rect.bar[data-series=\"TP\"]")) as? Int == 12)
            #expect(try await page.evaluate(Self.count("curve", "rect.bar[data-series=\"FN\"]")) as? Int == 12)
            #expect(try await page.evaluate(Self.count("curve", "circle.mark")) as? Int == 2)
            // Two 32×32 heatmaps (labelled positions, mean norm map); similarity (2 series) and norm (3) histograms.
            #expect(try await page.evaluate(Self.count("report", "rect.cell")) as? Int == 2 * 32 * 32)
            #expect(try await page.evaluate(Self.count("report", "rect.hist-bar")) as? Int == 2 * 40 + 3 * 40)
            // Dataset statistics: the noise tokens' norms are ≈ 0.8 (at most 0.35 · 4 = 1.4), the 8 planted
            // tokens' 6 · 4 = 24, so an image mean is below 1.2 and exactly the 8 planted tokens (4 labelled,
            // images 0 and 2) are above 2, 3 and 5 × it.
            #expect(try await page.evaluate(Self.count("statistics", "rect.cell")) as? Int == 32 * 32)
            let above = try await page.evaluate("[...document.querySelectorAll('#above tbody tr')].map(r => [...r.cells].map(c => c.textContent).join('|'))") as? [String]
            #expect(above == ["2×|8 (0.20 %)|4 (100.00 %)|2 (50.00 %)", "3×|8 (0.20 %)|4 (100.00 %)|2 (50.00 %)", "5×|8 (0.20 %)|4 (100.00 %)|2 (50.00 %)"], "\(above ?? [])")
            #expect(try await page.evaluate(Self.count("image", "rect.mark[data-kind=\"tp\"]")) as? Int == 4, "image 0's labelled patch")
            #expect(try await page.string("text('report-text')").contains("recorded prototype #\(id)"))
            // On screen, bar heights keep the counts' proportions (no page stylesheet squashes them).
            let ratio = try await page.evaluate("""
                (() => { const r = document.getElementById('curve').shadowRoot;
                  const tp = r.querySelector('rect.bar[data-series="TP"][data-index="11"]');
                  const all = r.querySelector('rect.bar[data-series="TP + FP"][data-index="11"]');
                  return [tp.getBoundingClientRect().height / all.getBoundingClientRect().height, tp.dataset.value / all.dataset.value]; })()
                """) as? [Double] ?? []
            #expect(ratio.count == 2 && abs(ratio[0] - ratio[1]) < 0.03, "\(ratio)")
            _ = try await page.evaluate("window.scrollTo(0, 0)")
            let shot = try await page.screenshot(to: LabelerSession.artifacts.appendingPathComponent("report-page.png"))
            print("Report page screenshot: \(shot.path)")

            // Image 2: the unlabelled planted patch shows as 4 false positives.
            _ = try await page.evaluate("document.getElementById('image-index').value = '2'")
            try await page.click(at: try await page.rect(of: "#image-form button").center)
            try await page.waitUntil("\(Self.count("image", "rect.mark[data-kind=\"fp\"]")) === 4")
            #expect(try await page.evaluate(Self.count("image", "rect.mark[data-kind=\"tp\"]")) as? Int == 0)

            // A bad threshold list is explained on screen.
            _ = try await page.evaluate("document.getElementById('thresholds').value = '0.5:1.5:3'; document.getElementById('refresh').click()")
            try await page.waitUntil("!document.getElementById('error').hidden")
            #expect(try await page.string("text('error-text')").contains("outside [-1, 1]"))
            #expect(chromium.devtools.exceptions.isEmpty, "JavaScript exceptions: \(chromium.devtools.exceptions)")
        } catch {
            await chromium.close()
            throw error
        }
        await chromium.close()
    }
}
