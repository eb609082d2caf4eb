import FuzzSupport

// The Combined Log Format scanner: a leading `{`, `[` or `"` (the JSON dispatch) becomes a digit.
nonisolated(unsafe) let harness = FuzzHarness()
nonisolated(unsafe) var buffer: [UInt8] = []
let jsonStarts: Set<UInt8> = [UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "\"")]

func fuzzCLF(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let start = input.firstIndex { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
    let keep: Set<UInt8> = start.map { jsonStarts.contains(input[$0]) ? [] : [input[$0]] } ?? []
    steer(input, into: &buffer, keep: keep, first: UInt8(ascii: "1"))
    buffer.withUnsafeBytes { bytes in
        if harness.parse(bytes) { harness.checkFeatures() }
    }
    return 0
}

/// The process entry (SwiftPM aliases `main` to it); the harness loads before the first input.
@_cdecl("FuzzCLF_main")
public func fuzzCLFMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    _ = harness
    return runFuzzer(argc, argv) { data, size in data.map { fuzzCLF($0, size) } ?? 0 }
}
