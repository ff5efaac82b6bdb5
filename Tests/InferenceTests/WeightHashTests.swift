import Foundation
import Testing
@testable import Inference

/// The run identity hash: FIPS 180-4 test vectors, the SHA-NI and portable paths against each other
/// (every length around the 64-byte block and padding edges), and a file against coreutils' sha256sum.
@Suite struct WeightHashTests {
    static func hex(_ s: String, hardware: Bool) -> String {
        Array(s.utf8).withUnsafeBytes { WeightHash.sha256($0, hardware: hardware) }
    }

    @Test(arguments: [true, false])
    func fipsVectors(_ hardware: Bool) {
        #expect(Self.hex("", hardware: hardware) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Self.hex("abc", hardware: hardware) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Self.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", hardware: hardware)
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(Self.hex(String(repeating: "a", count: 1_000_000), hardware: hardware)
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func hardwareAndPortablePathsAgree() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let bytes: [UInt8] = (0..<700).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        for n in 0...bytes.count {
            let (a, b) = bytes[..<n].withUnsafeBytes { (WeightHash.sha256($0, hardware: true), WeightHash.sha256($0, hardware: false)) }
            #expect(a == b, "length \(n)")
        }
    }

    @Test func fileHashEqualsSha256sum() throws {
        let file = try Fixture.root() + "/pipeline/sd15_tiny/vae/diffusion_pytorch_model.safetensors"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        p.arguments = [file]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(try WeightHash.sha256(file: file) == String(out.prefix(64)))
        #expect(throws: WeightHash.Failure.self) { try WeightHash.sha256(file: "/nonexistent/weights.safetensors") }
    }
}
