// swift-tools-version:6.2
// The anomaly-service package: a real-time SVM anomaly detector for web requests streamed through Kafka.
import PackageDescription

/// Settings every Swift target shares (as SwiftNIO and swift-kafka-client do): Swift 6 mode is the
/// package default; `MemberImportVisibility` keeps imports honest, strict memory safety makes every
/// unsafe expression carry a greppable `unsafe` marker.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("MemberImportVisibility"),
    .strictMemorySafety(),
]

let package = Package(
    name: "anomaly-service",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "anomaly-service", targets: ["AnomalyService"]),
        .library(name: "Platform", targets: ["Platform"]),
        .library(name: "RingBuffer", targets: ["RingBuffer"]),
        .library(name: "Kafka", targets: ["Kafka"]),
        .library(name: "Inference", targets: ["Inference"]),
        .library(name: "Service", targets: ["Service"]),
        .library(name: "Demo", targets: ["Demo"]),
        .library(name: "SchemaRegistry", targets: ["SchemaRegistry"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        // The operations endpoint's HTTP server (docs/OPERATIONS.md, "Operations endpoint").
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // Signals through libdispatch's handler, whatever thread the kernel picks (docs/RELIABILITY.md, section 9).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // The configuration file: full TOML 1.0 through toml++ (docs/OPERATIONS.md, "Configuration file").
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        // Metrics: the service reports through swift-metrics; `serve` exports them with
        // swift-prometheus (docs/OPERATIONS.md, "Metrics").
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // One C module per Debian library, all under Sources/CBridge; only wrapper types import them.
        .systemLibrary(
            name: "CRdKafka",
            path: "Sources/CBridge/RdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev", "pkg-config"])]
        ),
        .systemLibrary(
            name: "COpenBLAS",
            path: "Sources/CBridge/OpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "pkg-config"])]
        ),
        .systemLibrary(
            name: "CLZ4",
            path: "Sources/CBridge/LZ4",
            pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev", "pkg-config"])]
        ),
        // The schema registry client's HTTP over libcurl, not AsyncHTTPClient: a schema is fetched
        // synchronously on the worker thread that needs it (the pipeline's back-pressure is that
        // worker waiting, not a future), TLS comes from the OpenSSL 3 that librdkafka already loads,
        // and AsyncHTTPClient with swift-nio-ssl would add BoringSSL to an edge binary measured at
        // 21 MB against a 30 MB cap, and minutes to every CI build. A C target, not a system
        // library: it loads libcurl with dlopen on first use (include/CCurl.h says why), so only
        // the headers (libcurl4-openssl-dev, from scripts/setup.sh) are needed to build.
        .target(
            name: "CCurl",
            path: "Sources/CBridge/Curl",
            linkerSettings: [.linkedLibrary("dl")]
        ),
        // Threads, the monotonic clock, TCP sockets and signals: every thread and deadline in the
        // project comes from here. Pure Swift over Glibc.
        .target(name: "Platform"),
        // Lock-free hand-off between threads and the parking they wait with.
        .target(name: "RingBuffer", dependencies: ["Platform"]),
        // Kafka consumer, producer and the embedded mock broker over librdkafka.
        .target(name: "Kafka", dependencies: ["CRdKafka", "Platform"]),
        // Request parsing, features, the model file and BLAS-batched SVM scoring.
        .target(name: "Inference", dependencies: ["COpenBLAS", "CLZ4", "Platform"]),
        // The pipeline: polling threads, rings, workers, the producer thread, offsets.
        .target(
            name: "Service",
            dependencies: [
                "Kafka", "Inference", "RingBuffer", "Platform", "SchemaRegistry",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // A Confluent Schema Registry client (libcurl) and an in-memory development registry
        // (SwiftNIO) that `broker --schema-registry-port` runs; Avro schemas checked with Inference.
        .target(
            name: "SchemaRegistry",
            dependencies: [
                "CCurl", "Inference", "Platform", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // `demo`: embedded broker, service and traffic generator in one process. Kept apart from the
        // service (as SwiftNIO keeps its examples), it uses Service as `serve` does.
        .target(
            name: "Demo",
            dependencies: [
                "Service", "Kafka", "Inference", "RingBuffer", "Platform", "SchemaRegistry",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // jemalloc (Debian's libjemalloc2) replaces glibc's malloc for the whole process,
        // librdkafka included, with the options in config.c. Every record is allocated on one
        // thread (poller, worker) and freed on another, which glibc's per-thread caches cannot
        // recycle (bench/RESULTS.md, "Against the transport"). Only the executable links it;
        // tests keep glibc's (ThreadSanitizer's).
        .target(
            name: "CJemalloc",
            path: "Sources/CBridge/Jemalloc",
            linkerSettings: [.linkedLibrary("jemalloc")]
        ),
        .executableTarget(
            name: "AnomalyService",
            dependencies: [
                "Service", "Demo", "Kafka", "Inference", "RingBuffer", "Platform", "SchemaRegistry", "CJemalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
        ),
        .testTarget(name: "PlatformTests", dependencies: ["Platform"]),
        .testTarget(name: "RingBufferTests", dependencies: ["RingBuffer", "Platform"]),
        // Shared test set-up: unique names, produce/poll helpers over the embedded broker, the
        // pipeline fixture and its answer log, test models, `anomaly-service` as a child process.
        .target(
            name: "TestSupport",
            dependencies: [
                "Kafka", "Inference", "Service", "Platform", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "KafkaTests", dependencies: ["Kafka", "Platform", "TestSupport"]),
        // Service tests by what they need: nothing but the module; the embedded broker over TCP;
        // the built `anomaly-service` executable as a child process.
        .testTarget(
            name: "ServiceUnitTests",
            dependencies: [
                "Service", "Kafka", "Inference", "Platform", "SchemaRegistry", "TestSupport",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "ServiceBrokerTests",
            dependencies: [
                "Service", "Kafka", "Inference", "Platform", "SchemaRegistry", "TestSupport",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "ServiceProcessTests",
            dependencies: ["Service", "Kafka", "Inference", "Platform", "TestSupport"]
        ),
        .testTarget(name: "DemoTests", dependencies: ["Demo", "Kafka", "Service", "TestSupport"]),
        // The registry client against the development server over loopback, raw sockets that
        // misbehave, `broker --schema-registry-port` as a child process, and confluent-kafka's
        // Python client against the server.
        .testTarget(
            name: "SchemaRegistryTests",
            dependencies: ["SchemaRegistry", "Inference", "Platform", "TestSupport"]
        ),
        .testTarget(name: "InferenceTests", dependencies: ["Inference"], resources: [.copy("Fixtures")]),
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + swiftSettings
}
