/// `GET /api/runs/{run}/images/{index}/similarity[.png]?x=&y=&to=&colormap=diverging|gray`: the picked
/// token and the image compared with it (default: its own). Coordinates are checked against the run's
/// grid later, where the grid is known.
public struct SimilarityRequest: Sendable, Equatable {
    public enum Colormap: String, Sendable { case diverging, gray }

    public var x: Int
    public var y: Int
    public var to: Int?
    public var colormap: Colormap

    public init(query q: Query) throws {
        (x, y, to) = (try q.int("x"), try q.int("y"), try q.optionalInt("to"))
        colormap = try Self.colormap(q["colormap"])
    }

    /// A colour map by name, `diverging` when absent.
    public static func colormap(_ text: String?) throws -> Colormap {
        guard let c = Colormap(rawValue: text ?? Colormap.diverging.rawValue) else {
            throw RequestError.invalid("unknown colormap '\(text ?? "")' (expected diverging or gray)")
        }
        return c
    }
}
