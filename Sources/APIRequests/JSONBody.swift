import Foundation
import InputLimits

/// Request bodies: JSON decoded into a `Decodable`, every failure a validation error naming the field.
public enum JSONBody {
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>) throws -> T {
        // The decoder recurses per level: nesting is bounded before it sees the text.
        do { try InputLimits.checkJSONDepth(bytes, what: "malformed JSON body") } catch { throw RequestError.invalid("\(error)") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch let DecodingError.keyNotFound(key, _) {
            throw RequestError.invalid("malformed JSON body: missing field '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx) {
            let field = ctx.codingPath.map(\.stringValue).joined(separator: ".")
            throw RequestError.invalid("malformed JSON body: field '\(field)' has the wrong type (\(ctx.debugDescription))")
        } catch {
            throw RequestError.invalid("malformed JSON body: not valid JSON")
        }
    }
}
