import TestSupport
import Foundation
import ImageIO
import NPYFormat
import Testing
@testable import LabelServer

/// Similarity maps over HTTP and from the CLI against torch's cosine similarity
/// (Tests/FixtureGenerators/make_similarity_fixtures.py: 4 images × 24 channels × 5×7, a planted
/// direction, an opposite token, a zero token). Expected values come from the generator, never from normlab.
@Suite struct SimilarityAPITests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/similarity").path
    /// float16 inputs, float32 dot products summed in another order than torch's: a few ulp of 1.
    static let tolerance: Float = 1e-6

    struct Query: Decodable { var image: Int, x: Int, y: Int }

    static func golden() throws -> (queries: [Query], maps: [Float], shape: [Int]) {
        let queries = try JSONDecoder().decode([Query].self, from: Data(contentsOf: URL(fileURLWithPath: fixtures + "/queries.json")))
        let (shape, maps) = try NPY.readFloats(path: fixtures + "/similarity.npy")
        return (queries, maps, shape)
    }

    static func importFixture(_ s: TestServer) async throws {
        try await s.store.importFeatures(file: fixtures + "/features.npy", dataset: "sim-ds", run: "sim")
    }

    @Test func valuesMatchTorch() async throws {
        let (queries, maps, shape) = try Self.golden()
        let (n, h, w) = (shape[1], shape[2], shape[3])
        try await withServer { s in
            try await Self.importFixture(s)
            for (k, q) in queries.enumerated() {
                for j in 0..<n {
                    let reply = try await s.http.get("/api/runs/sim/images/\(q.image)/similarity?x=\(q.x)&y=\(q.y)&to=\(j)")
                    let body = try #require(try reply.json() as? [String: Any], "\(reply.status) \(reply.text)")
                    #expect(body["width"] as? Int == w && body["height"] as? Int == h && body["to"] as? Int == j && body["image"] as? Int == q.image)
                    let got = try #require(body["values"] as? [Double]).map(Float.init)
                    let want = maps[(k * n + j) * h * w ..< (k * n + j + 1) * h * w]
                    #expect(got.count == want.count)
                    let worst = zip(got, want).map { abs($0 - $1) }.max() ?? .infinity
                    #expect(worst <= Self.tolerance, "query \(k) to image \(j): largest difference \(worst)")
                }
            }
            // Without `to`, the map is the query's own image.
            let own = try #require(try await s.http.get("/api/runs/sim/images/1/similarity?x=4&y=2").json() as? [String: Any])
            let self1 = try #require((own["values"] as? [Double])?[2 * w + 4])
            #expect(own["to"] as? Int == 1 && abs(Float(self1) - maps[(0 * n + 1) * h * w + 2 * w + 4]) <= Self.tolerance)
        }
    }

    @Test func pngHasOnePixelPerTokenInTheDivergingScale() async throws {
        try await withServer { s in
            try await Self.importFixture(s)
            let reply = try await s.http.get("/api/runs/sim/images/1/similarity.png?x=4&y=2&to=2")
            #expect(reply.status == 200 && reply.headers["content-type"] == "image/png")
            let png = try PNG.decodeRGB(reply.body)
            #expect(png.width == 7 && png.height == 5)
            func pixel(_ x: Int, _ y: Int) -> [UInt8] { Array(png.pixels[(y * 7 + x) * 3 ..< (y * 7 + x + 1) * 3]) }
            // The planted token of image 2 (cosine ≈ 0.97) is red, the opposite one (≈ -0.95) blue.
            let red = pixel(5, 4), blue = pixel(6, 0)
            #expect(red[0] > 120 && red[1] < 60 && red[2] < 60, "\(red)")
            #expect(blue[2] > 90 && blue[0] < 40, "\(blue)")
            // The zero token's cosine is 0: the scale's middle, #f7f7f7.
            let zero = try PNG.decodeRGB(try await s.http.get("/api/runs/sim/images/1/similarity.png?x=4&y=2&to=3").body)
            #expect(Array(zero.pixels[(4 * 7 + 0) * 3 ..< (4 * 7 + 1) * 3]) == [247, 247, 247])
            let gray = try PNG.decodeRGB(try await s.http.get("/api/runs/sim/images/1/similarity.png?x=4&y=2&colormap=gray").body)
            #expect(gray.pixels[(2 * 7 + 4) * 3] == 255)   // the token itself: cosine 1
            let bar = try PNG.decodeRGB(try await s.http.get("/api/colormaps/diverging.png").body)
            #expect(bar.width == 256 && bar.height == 1 && Array(bar.pixels[0..<3]) == [5, 48, 97] && Array(bar.pixels[765..<768]) == [103, 0, 31])
        }
    }

    @Test func badQueriesAreRefusedWithAReason() async throws {
        try await withServer { s in
            try await Self.importFixture(s)
            func expect(_ path: String, _ status: Int, _ text: String) async throws {
                let reply = try await s.http.get(path)
                let message = (try? reply.json() as? [String: Any])?["error"] as? String ?? ""
                #expect(reply.status == status && message.contains(text), "\(path): \(reply.status) \(message)")
            }
            let base = "/api/runs/sim/images/1/similarity"
            try await expect("\(base)?x=7&y=0", 400, "x 7 is outside the grid (x 0…6)")
            try await expect("\(base)?x=0&y=5", 400, "y 5 is outside the grid (y 0…4)")
            try await expect("\(base)?x=-1&y=0", 400, "x -1 is outside the grid")
            try await expect("\(base).png?x=3&y=9", 400, "y 9 is outside the grid")
            try await expect("\(base)?y=0", 400, "missing query parameter 'x'")
            try await expect("\(base)?x=a&y=0", 400, "x='a' is not an integer")
            try await expect("\(base)?x=1&y=1&to=b", 400, "to='b' is not an integer")
            try await expect("\(base).png?x=1&y=1&colormap=jet", 400, "unknown colormap 'jet'")
            try await expect("/api/runs/sim/images/4/similarity?x=0&y=0", 404, "image index 4 is outside run 'sim'")
            try await expect("\(base)?x=0&y=0&to=9", 404, "image index 9 is outside run 'sim'")
            try await expect("/api/runs/nope/images/0/similarity?x=0&y=0", 404, "unknown run 'nope'")
            try await expect("/api/colormaps/jet.png", 400, "unknown colormap 'jet'")
        }
    }

    @Test func cliWritesTheMapsAndThePanel() throws {
        try #require(FileManager.default.isExecutableFile(atPath: normlabExecutable), "build normlab first")
        let dir = try TempFolder.create("normlab-sim")
        defer { TempFolder.remove(dir) }
        let db = dir + "/db.sqlite"
        #expect(try normlab("features", "import", "--db", db, "--dataset", "d", "--run", "sim", Self.fixtures + "/features.npy").status == 0)
        let (_, maps, shape) = try Self.golden()
        let plane = shape[2] * shape[3]   // query 0 of the fixture is token (4, 2) of image 1: its maps come first

        let npy = try normlab("similarity", "--db", db, "--run", "sim", "--image", "1", "--x", "4", "--y", "2", "--to", "3,0", "-o", dir + "/m.npy")
        #expect(npy.status == 0, "\(npy.output)")
        let (gotShape, got) = try NPY.readFloats(path: dir + "/m.npy")
        #expect(gotShape == [3, 5, 7])
        for (k, j) in [1, 3, 0].enumerated() {
            let worst = zip(got[k * plane ..< (k + 1) * plane], maps[j * plane ..< (j + 1) * plane]).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst <= Self.tolerance, "map \(k) (image \(j)): \(worst)")
        }

        let svg = try normlab("similarity", "--db", db, "--run", "sim", "--image", "1", "--x", "4", "--y", "2", "-o", dir + "/p.svg")
        #expect(svg.status == 0, "\(svg.output)")
        let text = try String(contentsOfFile: dir + "/p.svg", encoding: .utf8)
        // Norm map + own map + the next two images (the run ends at 3).
        #expect(text.components(separatedBy: "class=\"similaritymap\"").count - 1 == 3)
        #expect(text.components(separatedBy: "class=\"normmap\"").count - 1 == 1)
        #expect(text.components(separatedBy: "class=\"picked\" data-x=\"4\" data-y=\"2\"").count - 1 == 2)
        #expect(text.contains("cosine, image 3") && !text.contains("cosine, image 0"))

        let bad = try normlab("similarity", "--db", db, "--run", "sim", "--image", "1", "--x", "9", "--y", "2", "-o", dir + "/q.npy")
        #expect(bad.status != 0 && bad.output.contains("x 9 is outside the grid (x 0…6)") && !FileManager.default.fileExists(atPath: dir + "/q.npy"))
        let format = try normlab("similarity", "--db", db, "--run", "sim", "--image", "1", "--x", "1", "--y", "2", "-o", dir + "/q.png")
        #expect(format.status != 0 && format.output.contains("expected a .svg or .npy file"))
        let image = try normlab("similarity", "--db", db, "--run", "sim", "--image", "1", "--x", "1", "--y", "2", "--to", "7", "-o", dir + "/q.npy")
        #expect(image.status != 0 && image.output.contains("image 7 is outside the run (images 0…3)"))
    }
}
