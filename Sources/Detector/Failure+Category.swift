import Domain

// The detector refuses inputs (thresholds, prototypes, image ranges, labels that do not fit the run);
// every refusal is the caller's to fix.
extension Detection.Failure: CategorizedError { public var category: ErrorCategory { .validation } }
extension RunReport.Failure: CategorizedError { public var category: ErrorCategory { .validation } }
extension Prototype.Failure: CategorizedError { public var category: ErrorCategory { .validation } }
