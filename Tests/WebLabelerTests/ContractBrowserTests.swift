import Foundation
import GRDB
import Testing

/// The pages read exactly the field names the server sends (WebLabeler/backend.js, `FIELDS`). Here the
/// real server's answers reach the page with one field removed, as a server whose encoder renamed
/// it would send them; the page must say which request lacks which field instead of drawing
/// NaN-sized maps or empty lists. An extension of the browser suite: one chromium at a time.
extension WebLabelerBrowserTests {
    /// (page, request path, field removed from every object of the answer)
    static let drifts = [
        ("/", "/api/runs", "gridWidth"),
        ("/", "/api/runs/drift/images", "annotationCount"),
        ("/", "/api/runs/drift/images/0/norms", "norms"),
        ("/", "/api/prototypes", "channels"),
        ("/report.html", "/api/runs", "imageCount"),
    ]

    @Test func anAnswerMissingAFieldIsShownNamingRequestAndField() async throws {
        let fixture = FeatureFixture(run: "drift", count: 2, height: 16, width: 16, patches: [(0, 4, 4)])
        try await withLabeler(fixtures: [fixture]) { session in
            let page = session.page
            let writer = try DatabaseQueue(path: session.database.queue.path)
            try recordPrototype(writer, run: "drift", vector: [1, 1, 1, 1])
            // The untouched answers load without complaint, so the banners below come from the drift.
            try await open(page, "\(session.server.baseURL)/?case=none#run=drift&i=0",
                           until: "document.body.dataset.pending === '0' && document.getElementById('sugg-proto').value !== ''")
            let clean = try await page.string("document.getElementById('error').hidden ? '' : text('error-text')")
            #expect(clean.isEmpty, "banner without drift: \(clean)")

            for (pagePath, request, field) in Self.drifts {
                let added = try await page.send("Page.addScriptToEvaluateOnNewDocument", ["source": Self.dropping(field, from: request)])
                // A new query each time: a navigation that changes only the hash would keep the document.
                try await open(page, "\(session.server.baseURL)\(pagePath)?case=\(field)#run=drift&i=0",
                               until: "!document.getElementById('error').hidden")
                let banner = try await page.string("text('error-text')")
                #expect(banner.contains("GET \(request):") && banner.contains("\"\(field)\""),
                        "\(pagePath) with \(request) lacking \(field): banner says \(banner)")
                if request == "/api/runs" && pagePath == "/" { try await session.screenshot(page, "labeler-missing-field") }
                try await page.send("Page.removeScriptToEvaluateOnNewDocument", ["identifier": added["identifier"] ?? ""])
            }
        }
    }

    /// A script for every new document: answers of `path` come back with `field` deleted from the
    /// object, or from each object of a list.
    static func dropping(_ field: String, from path: String) -> String {
        """
        (() => {
          const original = window.fetch;
          window.fetch = async (input, init) => {
            const response = await original(input, init);
            if (new URL(String(input), location.href).pathname !== \(jsString(path)) || !response.ok) return response;
            const body = await response.json();
            for (const item of Array.isArray(body) ? body : [body]) delete item[\(jsString(field))];
            return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
          };
        })();
        """
    }

    /// Navigates and waits until the new document (not the one it replaces) is ready and `condition` holds.
    private func open(_ page: BrowserPage, _ url: String, until condition: String) async throws {
        _ = try await page.evaluate("window.oldDocument = true")
        try await page.navigate(url)
        try await page.waitUntil("!window.oldDocument && document.body.dataset.ready === '1' && \(condition)")
    }
}
