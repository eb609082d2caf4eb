import FuzzSupport

// Raw inputs through the parser's own dispatch; whatever parses is featurised and scored both ways.
nonisolated(unsafe) let harness = FuzzHarness()

func fuzzFeatures(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    if harness.parse(UnsafeRawBufferPointer(start: data, count: size)) { harness.checkFeatures() }
    return 0
}

/// The process entry (SwiftPM aliases `main` to it); the harness loads before the first input.
@_cdecl("FuzzFeatures_main")
public func fuzzFeaturesMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    _ = harness
    return runFuzzer(argc, argv) { data, size in data.map { fuzzFeatures($0, size) } ?? 0 }
}
