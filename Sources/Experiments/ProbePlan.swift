/// Which layers' float32 features the positional probe keeps on disk together. The probe needs all images
/// of a layer at once, so the features of every layer it trains wait in temporary files until their turn;
/// for the paper's 500 SD-1.5 images at 512² that is ~60 GB over 45 layers. Consecutive layers are grouped
/// so that no group's files exceed a bound: the first group is written by the full pass (which serves the
/// other experiments too), every further group by one more pass over the images that stops after the
/// group's last layer. Each layer's file is deleted as soon as its probe is trained, so the disk never
/// holds more than one group. The grouping trades CPU (one partial U-Net pass per extra group) for disk.
public enum ProbePlan {
    /// Consecutive groups of layer indices whose summed sizes stay within `limit` bytes; a layer larger
    /// than the limit forms a group of its own (one layer's features are the least the probe needs).
    public static func groups(layerBytes: [Int], limit: Int) -> [[Int]] {
        var groups: [[Int]] = []
        var current: [Int] = [], used = 0
        for (l, bytes) in layerBytes.enumerated() {
            if !current.isEmpty && used + bytes > limit {
                groups.append(current)
                (current, used) = ([], 0)
            }
            current.append(l)
            used += bytes
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }

    /// "3 groups (…) : 2 more partial passes" for the log, sizes in GB.
    public static func describe(_ groups: [[Int]], layerBytes: [Int], layers: [String]) -> String {
        let gb = { (b: Int) in String(format: "%.2f GB", Double(b) / 1e9) }
        let total = layerBytes.reduce(0, +)
        let largest = groups.map { $0.reduce(0) { $0 + layerBytes[$1] } }.max() ?? 0
        if groups.count <= 1 {
            return "positional probe: \(gb(total)) of temporary float32 layer features, all from the full pass"
        }
        let ends = groups.dropFirst().map { layers[$0.last!] }.joined(separator: ", ")
        return "positional probe: \(gb(total)) of float32 layer features in \(groups.count) groups of at most \(gb(largest)) on disk at a time; \(groups.count - 1) more pass(es) over the images, up to \(ends)"
    }
}
