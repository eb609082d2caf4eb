import FuzzSupport

// The JSON request scanner: every input is made to start with `{`.
nonisolated(unsafe) let harness = FuzzHarness()
nonisolated(unsafe) var buffer: [UInt8] = []

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    steer(UnsafeRawBufferPointer(start: data, count: size), into: &buffer, keep: [UInt8(ascii: "{")], first: UInt8(ascii: "{"))
    buffer.withUnsafeBytes { bytes in
        if harness.parse(bytes) { harness.checkFeatures() }
    }
    return 0
}
