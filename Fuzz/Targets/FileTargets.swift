import FeatureStore
import Foundation
import LabelStore
import NPYFormat
import SafeTensors

/// `.npy` header and whole-array reads (labels, prototypes, latents, text embeddings), from memory.
let npyTarget = FuzzTarget(name: "npy") { raw in
    if let h = try? NPYHeader.parse(raw, name: "fuzz.npy") {
        _ = (h.count, h.dataByteCount, h.encoded())
    }
    _ = try? NPY.floats(from: raw, name: "fuzz.npy")
    _ = try? NPY.int64(from: raw, name: "fuzz.npy")
}

/// `normlab labels import FILE.npy`: the label file read into rows.
let labelsNPYTarget = FuzzTarget(name: "labels-npy") { raw in
    _ = try LabelFiles.readNPY(path: try Scratch.write(raw, name: "labels.npy"))
}

/// One `norm_XXXX.json` file of the original labeler's folders.
let labelsJSONTarget = FuzzTarget(name: "labels-json") { raw in
    _ = try LabelFiles.parseJSONEntries(Data(raw))
}

/// `normlab features import`: a user's (N, C, H, W) `.npy` converted into a feature folder and read back.
let featuresNPYTarget = FuzzTarget(name: "features-npy") { raw in
    let path = try Scratch.write(raw, name: "features.npy")
    let folder = Scratch.folder + "/features"
    try? FileManager.default.removeItem(atPath: folder)
    _ = try FeatureImport.inspect(path: path)
    try FeatureImport.run(path: path, into: folder)
    let reader = try FeatureReader(folder: folder)
    _ = reader.norms(image: reader.shape.count - 1).reduce(0, +)
}

/// A safetensors weight file: header validation, then every tensor converted to Float32.
let safetensorsTarget = FuzzTarget(name: "safetensors") { raw in
    let file = try SafeTensorsFile(path: try Scratch.write(raw, name: "weights.safetensors"))
    for name in file.tensors.keys.sorted() { _ = try? file.floats(name) }
}
