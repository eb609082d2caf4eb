import FuzzSupport

// The JSON request scanner: every input is made to start with `{`.
// libFuzzer calls back on one thread: the shared state is `nonisolated(unsafe)`, each use marked.
nonisolated(unsafe) let harness = FuzzHarness()
nonisolated(unsafe) var buffer: [UInt8] = []

func fuzzJSON(_ input: Span<UInt8>) -> CInt {
    unsafe steer(input, into: &buffer, keep: [UInt8(ascii: "{")], first: UInt8(ascii: "{"))
    if unsafe harness.parse(buffer.span) { unsafe harness.checkFeatures() }
    return 0
}

/// The process entry (SwiftPM aliases `main` to it); the harness loads before the first input.
@_cdecl("FuzzJSON_main")
public func fuzzJSONMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    _ = unsafe harness
    return unsafe runFuzzer(argc, argv) { data, size in
        unsafe data.map { unsafe fuzzJSON(Span(_unsafeStart: $0, count: size)) } ?? 0
    }
}
