// swift-tools-version:6.2
// Benchmarks for anomaly-service: their own package on the root one, built in release mode only.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("MemberImportVisibility")
]

let package = Package(
    name: "anomaly-service-bench",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "..")
    ],
    targets: [
        // Ring hand-off against a Mutex-protected deque and a condition-variable queue (issue 3).
        .executableTarget(
            name: "ring-bench",
            dependencies: [.product(name: "RingBuffer", package: "anomaly-service")],
            path: "Sources/RingBench",
            swiftSettings: swiftSettings
        ),
        // Parse+featurize and SVM scoring per batch size against a plain sgemm (issue 4).
        .executableTarget(
            name: "inference-bench",
            dependencies: [.product(name: "Inference", package: "anomaly-service")],
            path: "Sources/InferenceBench",
            swiftSettings: swiftSettings
        ),
    ]
)
