import ArgumentParser
import LabelStore

/// `--db PATH`, shared by every command that touches the label database.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "The SQLite label database (created if missing).")
    var db: String = "./normlab.sqlite"

    func open() throws -> LabelStore { try LabelStore(path: db) }
}

/// `--kind patch2x2|point`.
extension AnnotationKind: ExpressibleByArgument {}
extension RunContents: ExpressibleByArgument {}

/// Prints to standard error (progress and summaries; standard output stays for data).
func note(_ text: String) {
    var stderr = StandardError()
    print(text, to: &stderr)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}

import Foundation
