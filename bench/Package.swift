// swift-tools-version:6.2
// Benchmarks for anomaly-service: their own package on the root one, built in release mode only.
import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its folder, which is whatever the clone was called
/// (`anomaly-service`, `main`, ...), so the product references below use that name.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let rootPackage = root.lastPathComponent.lowercased()

/// The root package's settings, so benchmark code is held to the same rules as the product.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("MemberImportVisibility"),
    .strictMemorySafety(),
]

let package = Package(
    name: "anomaly-service-bench",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // Ring hand-off against a Mutex-protected deque and a condition-variable queue, and the
        // result ring (W workers into one MPSC ring) on its own.
        .executableTarget(
            name: "ring-bench",
            dependencies: [
                .product(name: "RingBuffer", package: rootPackage),
                .product(name: "Platform", package: rootPackage),
            ],
            path: "Sources/RingBench",
            swiftSettings: swiftSettings
        ),
        // Parse+featurize and SVM scoring per batch size against a plain sgemm.
        .executableTarget(
            name: "inference-bench",
            dependencies: [.product(name: "Inference", package: rootPackage)],
            path: "Sources/InferenceBench",
            swiftSettings: swiftSettings
        ),
        // Avro decode + score against JSON parse + score on the same CSIC requests, and the same
        // Avro bodies decoded with Apache Avro C (libavro) instead of AvroRequestDecoder.
        .executableTarget(
            name: "avro-bench",
            dependencies: [.product(name: "Inference", package: rootPackage), "CAvroDecode"],
            path: "Sources/AvroBench",
            swiftSettings: swiftSettings
        ),
        // Debian's libavro, for avro-bench only (the service has its own decoder and never links it).
        .systemLibrary(
            name: "CAvro",
            path: "Sources/CBridge/Avro",
            pkgConfig: "avro-c",
            providers: [.apt(["libavro-dev", "pkg-config"])]
        ),
        // The libavro calls of avro-bench's libavro path, in C: one record into a struct of pointers.
        .target(name: "CAvroDecode", dependencies: ["CAvro"], path: "Sources/CAvroDecode"),
        // End to end over the embedded broker: drain throughput and open-loop latency, service
        // against the echo pipeline in the same invocation; the drain also with Avro input
        // (`--input-format avro`, schemas in the in-process development registry).
        .executableTarget(
            name: "e2e-bench",
            dependencies: [
                .product(name: "Service", package: rootPackage),
                .product(name: "Demo", package: rootPackage),
                .product(name: "Inference", package: rootPackage),
                .product(name: "Kafka", package: rootPackage),
                .product(name: "Platform", package: rootPackage),
                .product(name: "SchemaRegistry", package: rootPackage),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "Sources/E2EBench",
            swiftSettings: swiftSettings
        ),
        // The transport's limit with no pipeline: librdkafka's canonical consume -> produce loop in C,
        // the `bare` subject of `e2e-bench transport`.
        .executableTarget(
            name: "bare-loop",
            path: "Sources/BareLoop",
            linkerSettings: [.linkedLibrary("rdkafka")]
        ),
        // ordo-one/benchmark micro-benchmarks with stored thresholds:
        // `swift package benchmark thresholds check --target Micro`.
        .executableTarget(
            name: "Micro",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Demo", package: rootPackage),
                .product(name: "Inference", package: rootPackage),
                .product(name: "Kafka", package: rootPackage),
                .product(name: "RingBuffer", package: rootPackage),
                .product(name: "Service", package: rootPackage),
            ],
            path: "Benchmarks/Micro",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
