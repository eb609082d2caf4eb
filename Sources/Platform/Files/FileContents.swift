#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reading a whole small file (a configuration or properties file) with the checks an operator's
/// typo needs: a directory, a device or a pipe, or a file far larger than such a file can be, is
/// refused with a sentence naming the path, before anything is read.
public enum FileContents {
    /// The bytes of the regular file at `path`.
    ///
    /// - Parameters:
    ///   - path: the file; links are followed.
    ///   - maxBytes: the largest file accepted.
    ///   - kind: what the file is, for messages ("configuration file").
    /// - Throws: ``PlatformError`` ``PlatformError/Code/file`` naming `path` and the problem.
    public static func read(_ path: String, maxBytes: Int, kind: String) throws(PlatformError) -> [UInt8] {
        let descriptor = unsafe open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .file("cannot read \(kind) '\(path)'", error: errno) }
        defer { close(descriptor) }
        var info = stat()
        guard unsafe fstat(descriptor, &info) == 0 else { throw .file("cannot read \(kind) '\(path)'", error: errno) }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw .file("cannot read \(kind) '\(path)': it is a directory")
        default: throw .file("cannot read \(kind) '\(path)': it is not a regular file")
        }
        guard Int(info.st_size) <= maxBytes else {
            throw .file("\(kind) '\(path)' is \(info.st_size) bytes, over the limit of \(maxBytes) bytes")
        }
        // At most the size seen plus one byte: a file that grew while read is refused, not cut.
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size) + 1)
        var filled = 0
        while filled < bytes.count {
            let count = unsafe bytes.withUnsafeMutableBytes { buffer in
                unsafe Glibc.read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw .file("cannot read \(kind) '\(path)'", error: errno) }
            if count == 0 { break }
            filled += count
        }
        guard filled <= Int(info.st_size) else { throw .file("\(kind) '\(path)' changed while it was read") }
        bytes.removeLast(bytes.count - filled)
        return bytes
    }
}
