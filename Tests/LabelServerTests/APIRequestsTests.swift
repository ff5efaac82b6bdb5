import APIRequests
import Domain
import Foundation
import Testing
@testable import LabelServer
@testable import LabelStore

/// Request decoding without a server: the plain functions every route calls (and Fuzz/ fuzzes).
@Suite struct APIRequestsTests {
    private func refusal(_ body: () throws -> Any) -> RequestError? {
        do { _ = try body(); return nil } catch let e as RequestError { return e } catch { return RequestError(.internal, "\(error)") }
    }

    @Test func bodiesDecodeIntoTypedRequests() throws {
        let a = try NewAnnotationRequest(json: Array(#"{"x":7,"y":5,"kind":"point","source":"accepted-suggestion"}"#.utf8))
        #expect(a.x == 7 && a.y == 5 && a.kind == .point && a.source == .acceptedSuggestion && a.annotator == nil)
        let defaulted = try NewAnnotationRequest(json: Array(#"{"x":2,"y":4}"#.utf8))
        #expect(defaulted.kind == .patch2x2 && defaulted.source == .manual)
        let set = try NewSuggestionSetRequest(json: Array(#"{"prototype":3,"threshold":0.8}"#.utf8))
        #expect(set.prototype == 3 && set.threshold == 0.8 && set.unit == .patch && set.from == 0)
        let d = try DecisionRequest(json: Array(#"{"x":2,"y":0,"decision":"reject"}"#.utf8))
        #expect(d.decision == .reject && d.kind == .patch2x2)
        #expect(try ReviewedRequest(json: Array(#"{"reviewed":true}"#.utf8)).reviewed)
    }

    @Test func queriesDecodeWithDefaultsAndTheFirstValueOfARepeatedName() throws {
        let q = Query(pairs: [("x", "2"), ("y", "4"), ("x", "9"), ("kind", "point")])
        let place = try PlaceRequest(query: q)
        #expect(place.x == 2 && place.y == 4 && place.kind == .point)
        #expect(try ImageListRequest(query: Query([:])).filter == .all)
        let map = try NormMapRequest(query: Query(["colormap": "viridis"]))
        #expect(map.colormap == .viridis && map.scale == .image)
        let curve = try CurveRequest(query: Query(["thresholds": "0.5:0.9:3", "unit": "patch"]))
        #expect(curve.thresholds.count == 3 && curve.unit == .patch && curve.from == nil)
        #expect(try NextPendingRequest(query: Query([:])).after == -1)
        #expect(try prototypeID(Query(["prototype": "12"])) == 12 && (try prototypeID(Query([:]))) == nil)
    }

    /// Each refusal is a validation error whose message names the field and the problem.
    @Test func badInputIsAValidationErrorNamingTheProblem() {
        let cases: [(String, () throws -> Any)] = [
            ("missing field 'x'", { try NewAnnotationRequest(json: Array(#"{"y":2}"#.utf8)) }),
            ("field 'x' has the wrong type", { try NewAnnotationRequest(json: Array(#"{"x":"two","y":2}"#.utf8)) }),
            ("not valid JSON", { try NewAnnotationRequest(json: Array(#"{"x":2,"y":2"#.utf8)) }),
            ("unknown source 'robot'", { try NewAnnotationRequest(json: Array(#"{"x":2,"y":2,"source":"robot"}"#.utf8)) }),
            ("threshold 2.0 is outside [-1, 1]", { try NewSuggestionSetRequest(json: Array(#"{"prototype":1,"threshold":2}"#.utf8)) }),
            ("unknown unit 'blob'", { try NewSuggestionSetRequest(json: Array(#"{"prototype":1,"threshold":0.5,"unit":"blob"}"#.utf8)) }),
            ("unknown decision 'maybe'", { try DecisionRequest(json: Array(#"{"x":0,"y":0,"decision":"maybe"}"#.utf8)) }),
            ("missing query parameter 'y'", { try PlaceRequest(query: Query(["x": "2"])) }),
            ("query parameter x='two' is not an integer", { try PlaceRequest(query: Query(["x": "two", "y": "1"])) }),
            ("unknown filter 'done'", { try ImageListRequest(query: Query(["filter": "done"])) }),
            ("unknown scale 'log'", { try NormMapRequest(query: Query(["scale": "log"])) }),
            ("query parameter at='high' is not a number", { try ImageDetectionsRequest(query: Query(["at": "high"])) }),
            ("prototype 'newest' is not a recorded prototype id", { try prototypeID(Query(["prototype": "newest"])) }),
            ("image index 'one' is not an integer", { try PathParameter.integer("one", "image index") }),
        ]
        for (message, decode) in cases {
            let e = refusal(decode)
            #expect(e?.category == .validation && e?.description.contains(message) == true, "\(message): \(String(describing: e))")
        }
    }

    /// The decoder recurses per level: a deeply nested body is refused by the depth limit first.
    @Test func deeplyNestedBodiesAreRefusedByTheDepthLimit() {
        let nested = Array((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8)
        let e = refusal { try ReviewedRequest(json: nested) }
        #expect(e?.category == .validation && e?.description.contains("nested deeper than the limit of 64 levels") == true)
    }

    /// Vocabulary, detector and store errors reach the client through their categories; the store's
    /// statuses are the ones the routes answered before the categories existed.
    @Test func categoriesMapToOneStatusEach() {
        #expect(ErrorCategory.allCases.map { APIError.status(of: $0).code } == [400, 401, 404, 409, 413, 500])
        let store: [(LabelStoreError, Int)] = [
            (.unknownRun("r"), 404), (.imageOutOfRange(run: "r", index: 9, count: 5), 404), (.unknownPrototype(3), 404),
            (.unknownSuggestionSet(4), 404), (.duplicateRun("r"), 409), (.conflict("x"), 409), (.badAnnotation("x"), 400),
            (.badInput("x"), 400), (.newerSchema(path: "p", unknown: ["9"]), 500),
        ]
        for (e, status) in store { #expect(APIError(e).status.code == status, "\(e)") }
        #expect(APIError(InvalidValue("unknown kind 'box'")).status.code == 400)
    }
}
