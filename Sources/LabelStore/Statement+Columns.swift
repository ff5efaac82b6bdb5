import GRDB

extension Statement {
    /// The position of the named result column, looked up once per query: `Row`'s name subscript
    /// lowercases the names on every call, which showed as 4 % of a 2,000-image listing
    /// (BENCHMARKS.md, the redesign's before/after).
    func column(_ name: String) throws -> Int {
        guard let index = index(ofColumn: name) else { throw DatabaseError(message: "no column \(name) in \(sql)") }
        return index
    }
}
