import FuzzSupport

// The JSON request scanner: every input is made to start with `{`.
nonisolated(unsafe) let harness = FuzzHarness()
nonisolated(unsafe) var buffer: [UInt8] = []

func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    steer(UnsafeRawBufferPointer(start: data, count: size), into: &buffer, keep: [UInt8(ascii: "{")], first: UInt8(ascii: "{"))
    buffer.withUnsafeBytes { bytes in
        if harness.parse(bytes) { harness.checkFeatures() }
    }
    return 0
}

/// The process entry (SwiftPM aliases `main` to it); the harness loads before the first input.
@_cdecl("FuzzJSON_main")
public func fuzzJSONMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    _ = harness
    return runFuzzer(argc, argv) { data, size in data.map { fuzzJSON($0, size) } ?? 0 }
}
