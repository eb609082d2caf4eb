import FuzzSupport

// The Combined Log Format scanner: a leading `{`, `[` or `"` (the JSON dispatch) becomes a digit.
// libFuzzer calls back on one thread: the shared state is `nonisolated(unsafe)`, each use marked.
nonisolated(unsafe) let harness = FuzzHarness()
nonisolated(unsafe) var buffer: [UInt8] = []
let jsonStarts: Set<UInt8> = [UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "\"")]

func fuzzCLF(_ input: Span<UInt8>) -> CInt {
    let start = input.indices.first { input[$0] != 0x20 && input[$0] != 0x09 && input[$0] != 0x0A && input[$0] != 0x0D }
    let keep: Set<UInt8> = start.map { jsonStarts.contains(input[$0]) ? [] : [input[$0]] } ?? []
    unsafe steer(input, into: &buffer, keep: keep, first: UInt8(ascii: "1"))
    if unsafe harness.parse(buffer.span) { unsafe harness.checkFeatures() }
    return 0
}

/// The process entry (SwiftPM aliases `main` to it); the harness loads before the first input.
@_cdecl("FuzzCLF_main")
public func fuzzCLFMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    _ = unsafe harness
    return unsafe runFuzzer(argc, argv) { data, size in
        unsafe data.map { unsafe fuzzCLF(Span(_unsafeStart: $0, count: size)) } ?? 0
    }
}
