import Foundation

/// One fuzz target: a parser of outside data that must return or throw for every input, never
/// trap, abort, leak past a limit or touch memory it does not own (address sanitizer).
struct FuzzTarget: Sendable {
    let name: String
    let run: @Sendable (UnsafeRawBufferPointer) throws -> Void
}

let allTargets: [FuzzTarget] = [
    npyTarget, labelsNPYTarget, labelsJSONTarget, featuresNPYTarget, safetensorsTarget,
    configTarget, tokenizerFilesTarget, promptTarget, pngTarget, jpegTarget, apiTarget,
]

/// Chosen by `NORMLAB_FUZZ_TARGET` (Fuzz/run.sh sets it); one binary holds every target.
let selectedTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["NORMLAB_FUZZ_TARGET"] ?? ""
    guard let target = allTargets.first(where: { $0.name == name }) else {
        fatalError("NORMLAB_FUZZ_TARGET='\(name)': expected one of \(allTargets.map(\.name).joined(separator: ", "))")
    }
    return target
}()

/// libFuzzer's entry point. The input buffer is passed on as is: libFuzzer allocates it with the
/// exact size, so the address sanitizer reports any read past its end.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: size > 0 ? data : nil, count: size)
    // A thrown error is the expected answer to a bad input; only crashes are findings.
    try? selectedTarget.run(bytes)
    return 0
}
