import Experiments
import Testing

/// The probe's layer groups: consecutive, within the bound, a layer larger than the bound alone.
struct ProbePlanTests {
    @Test func consecutiveGroupsWithinTheBound() {
        #expect(ProbePlan.groups(layerBytes: [4, 4, 2, 6, 1, 1], limit: 8) == [[0, 1], [2, 3], [4, 5]])
        #expect(ProbePlan.groups(layerBytes: [4, 4, 2, 6, 1, 1], limit: 100) == [[0, 1, 2, 3, 4, 5]])
    }

    @Test func aLayerLargerThanTheBoundStandsAlone() {
        #expect(ProbePlan.groups(layerBytes: [3, 20, 3, 3], limit: 6) == [[0], [1], [2, 3]])
        #expect(ProbePlan.groups(layerBytes: [5, 5, 5], limit: 1) == [[0], [1], [2]])
        #expect(ProbePlan.groups(layerBytes: [], limit: 1) == [])
    }

    @Test func theDescriptionNamesTheGroupsAndPasses() {
        let text = ProbePlan.describe([[0], [1, 2]], layerBytes: [2_000_000_000, 1_000_000_000, 500_000_000], layers: ["a", "b", "c"])
        #expect(text.contains("3.50 GB") && text.contains("2 groups of at most 2.00 GB") && text.contains("1 more pass(es)") && text.hasSuffix("up to c"), "\(text)")
    }
}
