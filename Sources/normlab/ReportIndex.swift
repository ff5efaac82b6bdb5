import Charts

/// DIR/index.html of `normlab report --at`: the overview charts and a table of per-image norm maps.
enum ReportIndex {
    static func html(run: String, at: Float, rows: [String], total: Int) -> String {
        let note = rows.count < total ? "<p>The first \(rows.count) of \(total) images with detections or misses.</p>" : ""
        return """
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><title>normlab report: \(escape(run))</title>
            <style>body{font:14px system-ui,sans-serif;margin:24px}table{border-collapse:collapse}td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}
            .tp{color:#2ca02c}.fp{color:#f28e2b}.fn{color:#9467bd}img{max-width:100%}</style></head>
            <body>
            <h1>Run <code>\(escape(run))</code></h1>
            <p><a href="report.txt">report.txt</a> · <a href="report.svg">report.svg</a></p>
            <img src="report.svg" alt="report charts">
            <h2>Images at threshold \(at)</h2>
            <p>Tokens outlined <span class="tp">green: true positives</span>, <span class="fp">orange: false positives</span>,
            <span class="fn">purple: false negatives</span> (similarity strictly greater than the threshold).</p>
            \(note)
            <table><tr><th>image</th><th class="tp">TP</th><th class="fp">FP</th><th class="fn">FN</th></tr>
            \(rows.joined(separator: "\n"))
            </table>
            </body>
            </html>

            """
    }
}
