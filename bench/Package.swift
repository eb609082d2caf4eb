// swift-tools-version:6.2
// Benchmarks for anomaly-service: their own package on the root one, built in release mode only.
import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its folder, which is whatever the clone was called
/// (`anomaly-service`, `main`, ...), so the product references below use that name.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let rootPackage = root.lastPathComponent.lowercased()

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
            dependencies: [.product(name: "RingBuffer", package: rootPackage)],
            path: "Sources/RingBench",
            swiftSettings: swiftSettings
        ),
        // Parse+featurize and SVM scoring per batch size against a plain sgemm (issue 4).
        .executableTarget(
            name: "inference-bench",
            dependencies: [.product(name: "Inference", package: rootPackage)],
            path: "Sources/InferenceBench",
            swiftSettings: swiftSettings
        ),
    ]
)
