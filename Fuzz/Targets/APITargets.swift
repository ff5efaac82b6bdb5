import APIRequests
import Domain
import Foundation
import InputLimits

/// The HTTP API's request decoding (`APIRequests`, what every route calls before the store): an
/// input is a request name, a newline, then that request's JSON body or query string (`x=2&y=4`,
/// percent-encoded as in a URL). A decoded request must satisfy what the routes rely on.
let apiTarget = FuzzTarget(name: "api") { raw in
    let text = String(decoding: raw, as: UTF8.self)
    let (name, payload) = text.firstIndex(of: "\n").map { (String(text[..<$0]), text[text.index(after: $0)...]) } ?? (text, "")
    let body = Array(payload.utf8)
    let query = APIFuzz.query(String(payload))
    switch name {
    case "new-annotation": APIFuzz.checkPlace(try NewAnnotationRequest(json: body))
    case "reviewed": _ = try ReviewedRequest(json: body)
    case "new-suggestion-set":
        let r = try NewSuggestionSetRequest(json: body)
        precondition((-1...1).contains(r.threshold))
    case "decision": _ = try DecisionRequest(json: body)
    case "place": _ = try PlaceRequest(query: query)
    case "images": _ = try ImageListRequest(query: query)
    case "norm-map": _ = try NormMapRequest(query: query)
    case "labels": _ = try LabelExportRequest(query: query)
    case "report": try APIFuzz.checkThresholds(try ReportRequest(query: query).thresholds ?? [0])
    case "curve": try APIFuzz.checkThresholds(try CurveRequest(query: query).thresholds)
    case "detections": _ = try ImageDetectionsRequest(query: query)
    case "next": _ = try NextPendingRequest(query: query)
    case "prototype": _ = try prototypeID(query)
    case "path": _ = try PathParameter.integer(String(payload), "image index")
    default: return
    }
}

enum APIFuzz {
    /// `a=1&b=2` split and percent-decoded the way a URL's query is, first value of a name kept.
    static func query(_ text: String) -> Query {
        Query(pairs: text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (s: Substring) in s.removingPercentEncoding ?? String(s) }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        })
    }

    static func checkPlace(_ r: NewAnnotationRequest) {
        precondition(AnnotationKind(rawValue: r.kind.rawValue) == r.kind)
    }

    /// The bound the thresholds' table is sized by, and the cosine range.
    static func checkThresholds(_ t: [Float]) throws {
        precondition(!t.isEmpty && t.count <= InputLimits.maxThresholds && t.allSatisfy { (-1...1).contains($0) })
    }
}
