import Domain

/// Everything the store refuses, each naming the problem so CLI and HTTP can show it as is.
public enum LabelStoreError: Error, CustomStringConvertible, Equatable, Sendable {
    case newerSchema(path: String, unknown: [String])
    case unknownRun(String)
    case unknownDataset(String)
    case duplicateRun(String)
    case duplicateDataset(String)
    case badName(String, what: String)
    case imageOutOfRange(run: String, index: Int, count: Int)
    case countMismatch(dataset: String, datasetCount: Int, fileCount: Int, file: String)
    case badAnnotation(String)
    case badLabelRows(source: String, problems: [String])
    case badInput(String)
    case unknownPrototype(Int64)
    case unknownSuggestionSet(Int64)
    case conflict(String)
    /// The run keeps only its norms (`extract --keep norms`) and the caller needs its token vectors.
    case featuresNotKept(run: String)

    public var description: String {
        switch self {
        case .newerSchema(let p, let u):
            "\(p): the database was written by a newer normlab (unknown schema migration(s): \(u.joined(separator: ", "))); upgrade normlab, this version will not touch it"
        case .unknownRun(let r): "unknown run '\(r)'"
        case .unknownDataset(let d): "unknown dataset '\(d)'"
        case .duplicateRun(let r): "a run named '\(r)' already exists"
        case .duplicateDataset(let d): "a dataset named '\(d)' already exists"
        case .badName(let n, let what):
            "bad \(what) name '\(n)': use 1–128 letters, digits, '.', '_' or '-', starting with a letter or digit"
        case .imageOutOfRange(let r, let i, let n): "image index \(i) is outside run '\(r)' (images 0…\(n - 1))"
        case .countMismatch(let d, let dn, let fn, let f):
            "\(f) holds \(fn) images but dataset '\(d)' has \(dn); features must have one row per image, in the dataset's order"
        case .badAnnotation(let why): why
        case .badLabelRows(let source, let problems):
            "\(source): \(problems.count) bad row(s), nothing imported:\n" + problems.prefix(50).map { "  " + $0 }.joined(separator: "\n")
                + (problems.count > 50 ? "\n  … and \(problems.count - 50) more" : "")
        case .badInput(let why): why
        case .unknownPrototype(let id): "unknown prototype \(id) (normlab prototype --list shows the recorded ones)"
        case .unknownSuggestionSet(let id): "unknown suggestion set \(id)"
        case .conflict(let why): why
        case .featuresNotKept(let r):
            "run '\(r)' has no features (features.npy): it keeps only its token norms (extracted with --keep norms); prototypes, detection, similarity maps and reports need the features, so extract the dataset again with --keep features (the default)"
        }
    }
}

/// Names of datasets and runs double as folder names and URL path segments, so they are plain.
func checkName(_ name: String, what: String) throws {
    let ok = (1...128).contains(name.utf8.count)
        && name.utf8.allSatisfy { $0.isASCIIAlnum || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
        && name.utf8.first!.isASCIIAlnum
    guard ok else { throw LabelStoreError.badName(name, what: what) }
}

extension UInt8 {
    var isASCIIAlnum: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}

extension LabelStoreError: CategorizedError {
    public var category: ErrorCategory {
        switch self {
        case .unknownRun, .unknownDataset, .imageOutOfRange, .unknownPrototype, .unknownSuggestionSet: .notFound
        case .duplicateRun, .duplicateDataset, .conflict, .featuresNotKept: .conflict
        case .newerSchema: .internal
        case .badName, .countMismatch, .badAnnotation, .badLabelRows, .badInput: .validation
        }
    }
}
