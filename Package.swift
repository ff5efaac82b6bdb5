// swift-tools-version:6.1
import PackageDescription

// Numeric targets are compiled with optimisation even in debug builds: the U-Net
// fixtures in the tests would otherwise take minutes instead of seconds.
let numericFlags: [SwiftSetting] = [.unsafeFlags(["-O"])]

let package = Package(
    name: "normlab",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "normlab", targets: ["normlab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        // Graceful shutdown of the labeling server (Hummingbird runs as a service).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        // WebSocket client for the browser test's DevTools-protocol connection to chromium.
        .package(url: "https://github.com/hummingbird-project/swift-websocket", from: "1.6.2"),
    ],
    targets: [
        // System C libraries.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", providers: [.apt(["libpng-dev"])]),
        // libjpeg-turbo behind a tiny C shim: its errors longjmp, which Swift cannot catch.
        .target(name: "CJPEG", linkerSettings: [.linkedLibrary("jpeg")]),

        // The bounds every parser of outside data checks (README "Limits"); no dependencies.
        .target(name: "InputLimits"),

        // File formats.
        .target(name: "NPYFormat", dependencies: ["InputLimits"], swiftSettings: numericFlags),
        .target(name: "MappedFile"),
        .target(name: "SafeTensors", dependencies: ["MappedFile", "InputLimits"], swiftSettings: numericFlags),

        // Vectorised element-wise kernels (softmax, SiLU, GEGLU, float16 conversion), multiversioned for AVX-512/AVX2.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),

        // Tensor ops, the U-Net, the VAE encoder, the text encoder and the pipeline around them.
        .target(
            name: "Inference",
            dependencies: ["CBLAS", "CKernels", "SafeTensors", "ImageIO", "InputLimits"],
            swiftSettings: numericFlags
        ),

        // Image decode/encode (PNG, JPEG) and Pillow-compatible resizing.
        .target(name: "ImageIO", dependencies: ["CPNG", "CJPEG", "InputLimits"], swiftSettings: numericFlags),

        // Feature files (float16 .npy + float32 norms), memory-mapped; used by the labeler and detector.
        .target(name: "FeatureStore", dependencies: ["Domain", "MappedFile", "NPYFormat"], swiftSettings: numericFlags),

        // Shared value types and vocabularies: runs, label rows and their grid geometry, annotation
        // kinds, detection units, prototype records, suggestions; no dependencies.
        .target(name: "Domain"),

        // SQLite label store: datasets, runs, annotations, history, migrations, label import/export.
        .target(
            name: "LabelStore",
            dependencies: ["Domain", "CKernels", "FeatureStore", "NPYFormat", "ImageIO", "InputLimits", .product(name: "GRDB", package: "GRDB.swift")]
        ),

        // The HTTP API's requests as plain values: JSON bodies and query strings decoded and checked
        // into typed requests or categorized errors, without Hummingbird (so Fuzz/ reaches them).
        .target(name: "APIRequests", dependencies: ["Domain", "Detector", "InputLimits"]),

        // The labeling HTTP API and static WebLabeler files.
        .target(
            name: "LabelServer",
            dependencies: [
                "APIRequests", "Domain", "LabelStore", "FeatureStore", "ImageIO", "Detector", "Charts",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // A hand-written HTTP/1.1 client for loopback (keep-alive or one request per connection, paths
        // sent verbatim) and the port `normlab serve` prints: the labeling benchmarks and the API tests share it.
        .target(name: "LoopbackHTTP"),

        // A small SVG chart writer (bars, lines, histograms, heatmaps, norm maps); no dependencies.
        .target(name: "Charts"),

        // Mean anomaly tokens, the cosine scorer, threshold sweeps and run reports; no database.
        .target(name: "Detector", dependencies: ["Domain", "CBLAS", "CKernels", "FeatureStore", "NPYFormat", "Charts", "InputLimits"], swiftSettings: numericFlags),

        // `normlab demo`'s synthetic features with real-looking statistics, and the shipped real
        // SD-1.5 mean anomaly token they are built around (Sources/Demo/Resources/README.md).
        .target(name: "Demo", dependencies: ["Domain", "FeatureStore", "NPYFormat"], resources: [.copy("Resources")], swiftSettings: numericFlags),

        // Datasets through the pipeline into the feature store: batching, resume, typed run metadata.
        .target(name: "Extraction", dependencies: ["Inference", "FeatureStore", "LabelStore", "ImageIO"], swiftSettings: numericFlags),

        // The paper's layer-wise experiments: anomaly norms, token-group similarity, the positional probe, the figure.
        .target(name: "Experiments", dependencies: ["Domain", "Inference", "Extraction", "FeatureStore", "NPYFormat", "Charts", "CBLAS", "CKernels", "ImageIO"], swiftSettings: numericFlags),

        // Command-line entry point.
        .executableTarget(
            name: "normlab",
            dependencies: [
                "Inference", "Extraction", "NPYFormat", "FeatureStore", "Domain", "LabelStore", "LabelServer", "ImageIO", "Detector", "Charts", "CKernels", "Experiments", "Demo",
                "LoopbackHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The power-loss test harness: a FUSE layer (powerfs.c, compiled by the tests against the
        // system's libfuse3, so `swift build` does not need it) and its mount/cut driver.
        .target(name: "PowerFS", path: "Tests/PowerFS", exclude: ["powerfs.c"]),

        // Helpers every test target shares: the one runner of the built `normlab` binary, temporary
        // folders, and planted runs (small feature arrays with planted anomalies in a real store).
        .target(name: "TestSupport", dependencies: ["LabelStore", "NPYFormat"], path: "Tests/TestSupport"),

        .testTarget(name: "NPYFormatTests", dependencies: ["NPYFormat", "InputLimits"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "InferenceTests",
            dependencies: ["Inference", "Extraction", "SafeTensors", "NPYFormat", "LabelStore", "FeatureStore", "PowerFS", "InputLimits", "TestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors", "InputLimits"]),
        .testTarget(name: "DetectorTests", dependencies: ["Detector", "FeatureStore", "LabelStore", "NPYFormat", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ChartsTests", dependencies: ["Charts"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "Inference", "NPYFormat"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ImageIOTests", dependencies: ["ImageIO", "InputLimits"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "LabelStoreTests",
            dependencies: ["LabelStore", "FeatureStore", "NPYFormat", "ImageIO", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "LabelServerTests",
            dependencies: ["LabelServer", "APIRequests", "LabelStore", "FeatureStore", "NPYFormat", "PowerFS", "ImageIO", "TestSupport", "LoopbackHTTP", .product(name: "GRDB", package: "GRDB.swift")],
            resources: [.copy("Fixtures")]
        ),
        // Drives headless chromium (DevTools protocol) against a live `normlab serve` and reads the
        // SQLite file directly; see Tests/WebLabelerTests/LabelerSession.swift.
        .testTarget(
            name: "WebLabelerTests",
            dependencies: [
                "NPYFormat", "CPNG", "LabelStore", "TestSupport",
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
