#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A file descriptor that bytes are written to in full: `write(2)` again after a short write or
/// an interrupted call. Standard output, or a file it creates.
///
/// What the commands write their output through instead of Foundation's `FileHandle` (which
/// FoundationEssentials does not have). Not thread-safe: one owner writes.
@safe public final class FileOutput {
    /// The path, or `standard output`, for messages.
    public let name: String
    private var descriptor: Int32
    private let ownsDescriptor: Bool

    private init(descriptor: Int32, name: String, ownsDescriptor: Bool) {
        self.descriptor = descriptor
        self.name = name
        self.ownsDescriptor = ownsDescriptor
    }

    /// Standard output, unbuffered; never closed by this type.
    public static var standardOutput: FileOutput {
        FileOutput(descriptor: STDOUT_FILENO, name: "standard output", ownsDescriptor: false)
    }

    /// Creates `path`, or truncates it when it exists (mode 0666 less the umask, as `open(2)`).
    ///
    /// - Throws: ``PlatformError`` with code ``PlatformError/Code/file`` when it cannot be created.
    public convenience init(creating path: String) throws(PlatformError) {
        let descriptor = unsafe open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw .file("cannot create \(path)", error: errno) }
        self.init(descriptor: descriptor, name: path, ownsDescriptor: true)
    }

    deinit {
        if ownsDescriptor, descriptor >= 0 { Glibc.close(descriptor) }
    }

    /// Writes all of `bytes`.
    ///
    /// - Throws: ``PlatformError`` with code ``PlatformError/Code/file`` on a write error (the
    ///   bytes before it were written).
    public func write(_ bytes: Span<UInt8>) throws(PlatformError) {
        precondition(descriptor >= 0, "\(name) is closed")
        var done = 0
        while done < bytes.count {
            let wrote = unsafe bytes.withUnsafeBufferPointer { buffer in
                unsafe Glibc.write(descriptor, buffer.baseAddress! + done, buffer.count - done)
            }
            if wrote < 0 {
                if errno == EINTR { continue }
                throw .file("cannot write \(name)", error: errno)
            }
            done += wrote
        }
    }

    /// Writes `text` as UTF-8.
    ///
    /// - Throws: ``PlatformError`` with code ``PlatformError/Code/file`` on a write error.
    public func write(_ text: String) throws(PlatformError) {
        try write(Array(text.utf8).span)
    }

    /// Closes a file this type created; does nothing for standard output.
    ///
    /// - Throws: ``PlatformError`` with code ``PlatformError/Code/file`` when `close(2)` reports
    ///   an error (on some file systems the first sign that a write did not reach the disk).
    public func close() throws(PlatformError) {
        guard ownsDescriptor, descriptor >= 0 else { return }
        let result = Glibc.close(descriptor)
        descriptor = -1
        if result != 0 { throw .file("cannot close \(name)", error: errno) }
    }
}
