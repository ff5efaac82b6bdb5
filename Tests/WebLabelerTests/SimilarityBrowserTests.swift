import Foundation
import Testing

/// The similarity view and the ghost layer in the labeler: pick a token (Q, alt-click), read the drawn
/// map back, the side strip, the hover cosine, back to the norm view (Q, Esc); a second run's labels
/// of the same image as outlines (O). An extension of the browser suite (one chromium at a time).
extension WebLabelerBrowserTests {
    /// Tokens along a = (1, 1, 0, 0) (patches in images 0 and 1), one against it, the rest along
    /// (0, 0, 1, 0) with a little of a: cosines near 1, near -1 and small, computed here in Double.
    static func simToken(_ image: Int, _ x: Int, _ y: Int) -> [Float] {
        let inPatch = { (px: Int, py: Int) in (px...px + 1).contains(x) && (py...py + 1).contains(y) }
        if (image == 0 && (inPatch(4, 4) || inPatch(10, 8))) || (image == 1 && inPatch(6, 2)) { return [6, 6, 0, 0] }
        if image == 0 && x == 14 && y == 14 { return [-3, -3, 0, 0] }
        return [Float((x + y) % 3) * 0.125, 0, 1, 0]
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        let dot = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let na = a.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot(), nb = b.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        return dot / (max(na, 1e-8) * max(nb, 1e-8))
    }

    @Test func similarityViewAndGhostLayer() async throws {
        let a = FeatureFixture(run: "sim-a", count: 3, height: 16, width: 16, patches: [], dataset: "shared", tokens: Self.simToken)
        let b = FeatureFixture(run: "sim-b", count: 3, height: 16, width: 16, patches: [], dataset: "shared", tokens: Self.simToken)
        try await withLabeler(fixtures: [a, b]) { session in
            let page = session.page
            var map = try await NormMap(page: page, width: 16, height: 16)

            // Q over token (5, 5) of image 0 (inside the planted patch at (4, 4)).
            try await page.moveMouse(to: map.center(5, 5))
            try await page.waitUntil("text('ro-xy') === '5, 5'")
            try await page.press(.letter("q"))
            try await waitForSimilarity(page, "0,5,5")
            map = try await NormMap(page: page, width: 16, height: 16) // the strip took some width
            #expect(try await page.string("text('norm-caption')") == "· cosine to token (5, 5) of image 0")
            // The drawn map, read back from its pixels: the other planted patch dark red (cosine 1),
            // the opposite token dark blue (-1), a background token at cosine 0 the scale's white.
            let px = try await simPixels(page, "sim-img", [(10, 8), (14, 14), (0, 0)])
            #expect(px.size == [16, 16], "similarity image \(px.size)")
            #expect(px.rgb[0] == [103, 0, 31] && px.rgb[1] == [5, 48, 97] && px.rgb[2] == [247, 247, 247], "\(px.rgb)")
            // It covers the norm map exactly, and the picked token is ringed in yellow.
            #expect(try await page.rect(of: "#sim-img") == map.rect)
            let ring = try await overlayPixel(page, x: 5.5 + 0.75, y: 5.5)
            #expect(ring[0] > 200 && ring[1] > 180 && ring[2] < 120, "ring pixel \(ring)")
            // Hover read-out: the cosine under the cursor.
            try await page.moveMouse(to: map.center(1, 0))
            try await page.waitUntil("text('ro-xy') === '1, 0'")
            let shown = Double(try await page.string("text('ro-sim')")) ?? .nan
            let want = Self.cosine(Self.simToken(0, 1, 0), Self.simToken(0, 5, 5))
            #expect(abs(shown - want) < 1e-3, "read-out \(shown), expected \(want)")
            // The strip: the run's other images, the planted patch of image 1 red there too.
            try await page.waitUntil("document.querySelectorAll('#sim-strip-list figure img').length === 2")
            #expect(try await page.string("[...document.querySelectorAll('#sim-strip-list figure')].map(f => f.dataset.image).join()") == "1,2")
            let thumb = try await simPixels(page, "#sim-strip-list figure[data-image='1'] img", [(6, 2), (0, 0)])
            #expect(thumb.rgb[0] == [103, 0, 31] && thumb.rgb[1] != [103, 0, 31], "\(thumb.rgb)")
            #expect(try await page.evaluate("document.getElementById('sim-scale').hidden") as? Bool == false)
            try await session.screenshot(page, "similarity")

            // Q again: the norm view. Alt-click picks the opposite token; Esc leaves.
            try await page.press(.letter("q"))
            try await waitForSimilarity(page, "")
            #expect(try await page.evaluate("document.getElementById('sim-img').hidden") as? Bool == true)
            map = try await NormMap(page: page, width: 16, height: 16)
            try await page.click(at: map.center(14, 14), modifiers: Modifier.alt)
            try await waitForSimilarity(page, "0,14,14")
            #expect(try await simPixels(page, "sim-img", [(4, 4)]).rgb[0] == [5, 48, 97])
            #expect(try session.database.annotations(run: "sim-a").isEmpty) // picking labels nothing
            try await page.press(.escape)
            try await waitForSimilarity(page, "")

            // Ghost layer: run sim-b (same dataset) labels a patch at (8, 12) of image 0 elsewhere.
            let posted = try await page.evaluate("""
                fetch('/api/runs/sim-b/images/0/annotations', {method: 'POST', headers: {'Content-Type': 'application/json'},
                  body: JSON.stringify({x: 8, y: 12, kind: 'patch2x2', annotator: 'other'})}).then(r => r.status)
                """) as? Int
            #expect(posted == 201)
            try await page.waitUntil("!document.getElementById('ghost-card').hidden && document.getElementById('ghost-run').value === 'sim-b'")
            try await page.press(.letter("o"))
            try await page.waitUntil("document.getElementById('norm-overlay').dataset.ghostCount === '1' && document.body.dataset.pending === '0'")
            #expect(try await page.string("text('ghost-count')") == "1 label of this image in sim-b")
            #expect(try await limeOnLeftEdge(page, x: 8, y: 12) > 0, "no lime ghost outline at (8, 12)")
            #expect(try await limeOnLeftEdge(page, x: 4, y: 4) == 0, "a ghost outline where sim-b has no label")
            try await session.screenshot(page, "ghost-layer")
            try await page.press(.letter("o"))
            try await page.waitUntil("document.getElementById('norm-overlay').dataset.ghostCount === '0'")
            #expect(try await limeOnLeftEdge(page, x: 8, y: 12) == 0)
        }
    }

    private func waitForSimilarity(_ page: BrowserPage, _ value: String) async throws {
        try await page.waitUntil("document.getElementById('norm-panel').dataset.similarity === '\(value)' && document.body.dataset.pending === '0'")
    }

    /// The natural size of an image (an id or a selector) and the RGB of its pixels at token positions.
    private func simPixels(_ page: BrowserPage, _ which: String, _ cells: [(Int, Int)]) async throws -> (size: [Int], rgb: [[Int]]) {
        let selector = which.contains(" ") || which.hasPrefix("#") ? which : "#\(which)"
        let js = """
            (async () => { const img = document.querySelector(\(jsString(selector))); await img.decode();
              const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
              const g = c.getContext('2d'); g.drawImage(img, 0, 0);
              return [[img.naturalWidth, img.naturalHeight], ...\(cells.map { [$0.0, $0.1] }).map(([x, y]) => Array.from(g.getImageData(x, y, 1, 1).data).slice(0, 3))]; })()
            """
        let value = try await page.evaluate(js) as? [[Int]] ?? []
        return (value.first ?? [], Array(value.dropFirst()))
    }

    private func overlayPixel(_ page: BrowserPage, x: Double, y: Double) async throws -> [Int] {
        let js = """
            (() => { const c = document.getElementById('norm-overlay'); const s = c.width / Number(c.dataset.gridWidth);
              return Array.from(c.getContext('2d').getImageData(Math.floor(\(x) * s), Math.floor(\(y) * s), 1, 1).data); })()
            """
        return try await page.evaluate(js) as? [Int] ?? []
    }

    /// Lime (the ghost colour) pixels along the left edge of the 2×2 box at token (x, y) on the norm overlay.
    private func limeOnLeftEdge(_ page: BrowserPage, x: Int, y: Int) async throws -> Int {
        let js = """
            (() => { const c = document.getElementById('norm-overlay'); const s = c.width / Number(c.dataset.gridWidth);
              const d = c.getContext('2d').getImageData(Math.floor(\(x) * s), Math.floor(\(y) * s), Math.max(2, Math.floor(s / 5)), Math.floor(2 * s)).data;
              let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] > 150 && d[i] < 235 && d[i + 1] > 220 && d[i + 2] < 120 && d[i + 3] > 200) n++;
              return n; })()
            """
        return try await page.evaluate(js) as? Int ?? -1
    }
}
