import Foundation
import Testing

/// A run that keeps only its norms (`--keep norms`) in the labeler and on the report page: labeling
/// works, the similarity pick and "detect" explain the missing features instead of failing, and the
/// report page draws the norm statistics with an explanation where the detection charts would be.
/// An extension of the browser suite (one chromium at a time).
extension WebLabelerBrowserTests {
    @Test func normsOnlyRunLabelsAndExplainsWhatNeedsFeatures() async throws {
        let fixture = FeatureFixture(run: "nrm", count: 3, height: 16, width: 16, patches: [(0, 4, 4)], keep: "norms")
        try await withLabeler(fixtures: [fixture]) { session in
            let page = session.page
            try await page.waitUntil("document.getElementById('run-picker').value === 'nrm'")
            try await session.enterAnnotator()
            let map = try await NormMap(page: page, width: 16, height: 16)
            try await page.click(at: map.center(5, 5))
            try await session.waitForAnnotationCount(1)
            #expect(try session.database.annotations(run: "nrm").count == 1)

            // Q over a token: the banner says why, and no similarity view opens.
            try await page.moveMouse(to: map.center(5, 5))
            try await page.waitUntil("text('ro-xy') === '5, 5'")
            try await page.press(.letter("q"))
            try await page.waitUntil("!document.getElementById('error').hidden && document.body.dataset.pending === '0'")
            let banner = try await page.string("text('error-text')")
            #expect(banner.contains("keeps only its token norms") && banner.contains("--keep norms"), "\(banner)")
            #expect(try await page.evaluate("document.getElementById('sim-img').hidden") as? Bool == true)
            #expect(try await page.evaluate("document.getElementById('sugg-create-button').disabled") as? Bool == true)
            #expect(try await page.string("text('sugg-no-features')").contains("keeps only its token norms"))

            // The report page: statistics drawn, the detection charts replaced by the explanation, no error banner.
            try await page.navigate("\(session.server.baseURL)/report.html#run=nrm")
            try await page.waitUntil("document.body.dataset.ready === '1'")
            let stats = "document.getElementById('statistics').shadowRoot.querySelectorAll('svg').length"
            #expect(try await page.evaluate(stats) as? Int == 1)
            #expect(try await page.string("document.getElementById('curve').shadowRoot.textContent").contains("--keep norms"))
            let reportBanner = try await page.string("text('error-text')")
            #expect(try await page.evaluate("document.getElementById('error').hidden") as? Bool == true, "\(reportBanner)")
            try await session.screenshot(page, "report-norms-only")
        }
    }
}
