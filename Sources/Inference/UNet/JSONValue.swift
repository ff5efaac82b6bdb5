import Foundation
import InputLimits

/// A parsed JSON value that keeps booleans and numbers apart (Foundation's JSONSerialization
/// cannot always tell `true` from `1`), used for diffusers/transformers config files.
public enum JSONValue: Sendable, Equatable, Decodable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// Parses a JSON file whose top level is an object.
    public static func object(contentsOf path: String) throws -> [String: JSONValue] {
        try object(Data(contentsOf: URL(fileURLWithPath: path)), file: path)
    }

    /// Parses JSON text whose top level is an object; nesting is bounded by `InputLimits.maxJSONDepth`.
    public static func object(_ data: Data, file: String) throws -> [String: JSONValue] {
        do { try InputLimits.checkJSONDepth(data, what: file) } catch { throw ConfigError(file: file, message: "\(error)") }
        guard case .object(let dict)? = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            throw ConfigError(file: file, message: "not a JSON object")
        }
        return dict
    }

    /// The value as an `Int` when it is a number with an exact `Int` value (1e300 and 2.5 are not).
    public var exactInt: Int? {
        guard case .number(let d) = self else { return nil }
        return Int(exactly: d)
    }

    public var description: String {
        switch self {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .number(let d): d == d.rounded() && abs(d) < 1e15 ? "\(Int(d))" : "\(d)"
        case .string(let s): "\"\(s)\""
        case .array(let a): "[" + a.map(\.description).joined(separator: ", ") + "]"
        case .object(let o): "{" + o.keys.sorted().map { "\"\($0)\": \(o[$0]!)" }.joined(separator: ", ") + "}"
        }
    }
}
