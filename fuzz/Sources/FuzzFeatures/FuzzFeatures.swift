import FuzzSupport

// Raw inputs through the parser's own dispatch; whatever parses is featurised and scored both ways.
nonisolated(unsafe) let harness = FuzzHarness()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFeatures(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    if harness.parse(UnsafeRawBufferPointer(start: data, count: size)) { harness.checkFeatures() }
    return 0
}
