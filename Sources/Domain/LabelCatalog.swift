/// Where runs, labels and recorded prototypes are looked up (the label store implements it), so the
/// numeric modules can resolve a run's inputs without knowing the database.
public protocol LabelCatalog: Sendable {
    func run(named name: String) throws -> Run
    func labelRows(run name: String, kind: AnnotationKind) throws -> [LabelRow]
    /// Throws when no prototype has this id.
    func prototype(id: Int64) throws -> PrototypeRecord
    /// Newest first; every run's when `name` is nil.
    func prototypes(run name: String?) throws -> [PrototypeRecord]
}
