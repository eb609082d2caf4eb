#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads a file (or standard input) line by line through one fixed buffer: bounded memory
/// whatever the input, and no allocation per line.
@safe public final class LineReader {
    /// Lines longer than this are reported as overlong (`nil`) instead of being passed on.
    public let maxLineBytes: Int
    /// The name used in messages and offline ids: the path, or `-` for standard input.
    public let name: String

    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private let buffer: UnsafeMutableRawPointer
    private let capacity: Int

    /// Opens `path`; `nil` or `-` reads standard input.
    ///
    /// - Throws: ``InferenceError`` ``InferenceError/Code/io`` when the file cannot be opened.
    public init(path: String?, maxLineBytes: Int = RequestLimits.default.maxInputBytes) throws(InferenceError) {
        self.maxLineBytes = maxLineBytes
        if let path, path != "-" {
            let descriptor = unsafe open(path, O_RDONLY)
            guard descriptor >= 0 else { throw .io("cannot open \(path): \(Self.lastErrorText())") }
            self.descriptor = descriptor
            ownsDescriptor = true
            name = path
        } else {
            descriptor = STDIN_FILENO
            ownsDescriptor = false
            name = "-"
        }
        capacity = maxLineBytes + 1 << 16
        unsafe buffer = .allocate(byteCount: capacity, alignment: 16)
    }

    private static func lastErrorText() -> String { unsafe String(cString: strerror(errno)) }

    deinit {
        if ownsDescriptor { close(descriptor) }
        unsafe buffer.deallocate()
    }

    /// Calls `body` with each line's 1-based number and bytes (without `\n` and a trailing `\r`),
    /// or `nil` bytes for a line longer than ``maxLineBytes``. The bytes are valid only inside `body`.
    ///
    /// - Throws: ``InferenceError`` ``InferenceError/Code/io`` on a read error, or what `body` throws.
    public func forEachLine(_ body: (Int, Span<UInt8>?) throws -> Void) throws {
        var filled = 0
        var lineNumber = 0
        var skippingOverlong = false
        var atEOF = false
        while !atEOF {
            let got = unsafe read(descriptor, buffer + filled, capacity - filled)
            if got < 0 {
                if errno == EINTR { continue }
                throw InferenceError.io("read from \(name) failed: \(Self.lastErrorText())")
            }
            atEOF = got == 0
            filled += got
            var start = 0
            while true {
                let remaining = unsafe UnsafeRawBufferPointer(start: buffer + start, count: filled - start)
                let newline = unsafe remaining.firstIndex(of: 0x0A)
                guard newline != nil || (atEOF && start < filled) else { break }
                let end = start + (newline ?? (filled - start))
                if skippingOverlong {
                    skippingOverlong = false
                } else {
                    lineNumber += 1
                    var lineEnd = end
                    if lineEnd > start, unsafe buffer.load(fromByteOffset: lineEnd - 1, as: UInt8.self) == 0x0D {
                        lineEnd -= 1
                    }
                    if lineEnd - start > maxLineBytes {
                        try body(lineNumber, nil)
                    } else {
                        let line = unsafe UnsafeRawBufferPointer(start: buffer + start, count: lineEnd - start)
                        try body(lineNumber, unsafe Span(_unsafeBytes: line))
                    }
                }
                start = end + 1
                if start > filled { start = filled }
            }
            if start < filled, start > 0 {
                unsafe buffer.copyMemory(from: buffer + start, byteCount: filled - start)
            }
            filled -= start
            if filled == capacity {
                // A line longer than the buffer: report it and drop bytes up to its newline.
                if !skippingOverlong {
                    lineNumber += 1
                    try body(lineNumber, nil)
                }
                skippingOverlong = true
                filled = 0
            }
        }
    }
}
