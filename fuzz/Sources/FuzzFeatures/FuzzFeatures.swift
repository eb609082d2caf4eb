import FuzzSupport

// Raw inputs through the parser's own dispatch; whatever parses is featurised and scored both ways.
// libFuzzer calls back on one thread: the shared state is `nonisolated(unsafe)`, each use marked.
nonisolated(unsafe) let harness = FuzzHarness()

func fuzzFeatures(_ input: Span<UInt8>) -> CInt {
    if unsafe harness.parse(input) { unsafe harness.checkFeatures() }
    return 0
}

/// The process entry (SwiftPM aliases `main` to it); the harness loads before the first input.
@_cdecl("FuzzFeatures_main")
public func fuzzFeaturesMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    _ = unsafe harness
    return unsafe runFuzzer(argc, argv) { data, size in
        unsafe data.map { unsafe fuzzFeatures(Span(_unsafeStart: $0, count: size)) } ?? 0
    }
}
