// swift-tools-version:6.2
// libFuzzer targets for the request parsers and the feature extractor. Its own package,
// like bench/, so the fuzzing flags never touch the product build:
//   scripts/fuzz.sh            # builds with -sanitize=fuzzer,address and runs each target
import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its folder, which is whatever the clone was called
/// (`anomaly-service`, `main`, ...), so the product references below use that name.
let rootPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .lastPathComponent.lowercased()

/// The root package's settings (see ../Package.swift).
let settings: [SwiftSetting] = [
    .enableUpcomingFeature("MemberImportVisibility"),
    .strictMemorySafety(),
]

let package = Package(
    name: "anomaly-service-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        // LLVMFuzzerRunDriver's declaration: each target's main hands libFuzzer its callback.
        .target(name: "CFuzzDriver"),
        // The invariants every target checks, shared.
        .target(
            name: "FuzzSupport",
            dependencies: ["CFuzzDriver", .product(name: "Inference", package: rootPackage)],
            swiftSettings: settings
        ),
        // JSON objects: inputs are steered to the JSON scanner (a leading `{` is forced).
        .executableTarget(name: "FuzzJSON", dependencies: ["FuzzSupport"], swiftSettings: settings),
        // Combined Log Format lines: inputs are steered to the CLF scanner.
        .executableTarget(name: "FuzzCLF", dependencies: ["FuzzSupport"], swiftSettings: settings),
        // Whatever parses is featurised with the default model's configuration: finite features,
        // and the rowless linear decision equal to the row's.
        .executableTarget(name: "FuzzFeatures", dependencies: ["FuzzSupport"], swiftSettings: settings),
        // Avro: bodies for the reference request schema and a richer writer, and schema texts
        // (the first byte selects); decoding and schema parsing are total and deterministic.
        .executableTarget(
            name: "FuzzAvro",
            dependencies: ["FuzzSupport", .product(name: "Inference", package: rootPackage)],
            swiftSettings: settings
        ),
    ]
)
